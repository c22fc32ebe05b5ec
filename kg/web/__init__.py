"""`kg serve`: the graph on the web, for programs and for people.

- `app`: the `GraphServer` (the generations of the graph being served, the one path by which
  the server answers a query, the one place an error becomes a response) and the routes;
- `protocol`: the SPARQL 1.1 Protocol at /sparql and content negotiation;
- `api`: the saved queries as an API with grlc's conventions, and its OpenAPI document;
- `pages`: the pages for people, from `templates/`;
- `workers`: the killable processes that run queries;
- `reload`: `--reload`, an edit served once it validates.
"""
