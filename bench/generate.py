"""Generate a synthetic kg tree with the shape of the real graph, at about N loaded triples.

Usage:
    python bench/generate.py --triples 100000 --out /tmp/kg-1e5 [--seed 1] [--file-triples 50000]

The tree holds a copy of the repository's ontology/ and queries/, and a generated data/:

- `synthetic-article.txt`: the evidence text, an "article" whose sentences state every fact,
  then a reference list (all entries on one line, as in the real article);
- `article.ttl`: the article's source record, `src:wikipedia-randa-kassis` (the IRI the saved
  queries use), with `kgv:evidenceFile` and `schema:citation` listing every reference record;
- `randa-kassis.trig`: a hub like the real graph's (Randa Kassis, her four books with their real
  ISBN-13s, the Astana platform, the Syrian National Council, the Trump Jr. meeting, ...), so the
  saved queries that name these IRIs return rows;
- `part-NNNN.trig`: generated "cells" (a person and a colleague, an organisation they founded or
  joined through schema:OrganizationRole nodes, an event it held, a kgv:Position, sometimes a
  book with a valid ISBN-13, sometimes links to the hub), written in the authoring convention
  of docs/authoring.md: types and names in the default graph, each claim a named graph with
  exactly one kgv:quote (a verbatim span of the article) and prov:wasDerivedFrom the article plus
  zero, one or two of the cell's reference records;
- `sources-NNNN.ttl`: the reference records (kgv:SourceRecord + schema:NewsArticle, WebPage,
  VideoObject or Report), each with its entry verbatim as kgv:citationText, and the outlets and
  journalists they name.

N counts what `kg.load.load` builds: asserted triples plus the derived rdf:Statements (each claim
triple adds rdf:type, rdf:subject, rdf:predicate, rdf:object, kgv:fromClaim, kgv:quote and one
prov:wasDerivedFrom per source: 7-9 triples). The generator counts them exactly as it writes
(no triple is written twice) and stops at the first cell that reaches N, so the loaded graph
holds N plus at most one cell (a few hundred triples), and never less than the hub's ~800.
Output is streamed: only names, IRIs and counters are kept, never a graph. The same seed gives
the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing kg

from kg.namespaces import PREFIXES  # noqa: E402 -- after the path is set

ARTICLE = "src:wikipedia-randa-kassis"
EVIDENCE_FILE = "synthetic-article.txt"
HUB = "kgr:randa-kassis"
HUB_NAME = "Randa Kassis"
HUB_TITLE = "The hub: Randa Kassis, her books, and the IRIs the saved queries name"
# Derived per claim triple besides its sources: rdf:type, rdf:subject, rdf:predicate, rdf:object,
# kgv:fromClaim, kgv:quote -- plus the asserted triple itself.
PER_CLAIM_TRIPLE = 7
DEFAULT_FILE_TRIPLES = 50_000


def words(text: str) -> list[str]:
    return text.split()


HEADER = "".join(
    f"@prefix {prefix + ':':<8}<{PREFIXES[prefix]}> .\n"
    for prefix in ("kgr", "src", "claim", "kgv", "schema", "prov", "rdf", "rdfs", "xsd")
)

MONTHS = words(
    "January February March April May June July August September October November December"
)
MOIS = words("janvier février mars avril mai juin juillet août septembre octobre novembre décembre")

FIRST = words(
    "Amina Omar Layla Karim Nadia Samir Rania Yusuf Hala Tarek Salma Fadi Dina Walid Mona Bassel "
    "Lina Ziad Reem Khaled Nour Hani Yara Majd Sara Jamil Dalia Adnan Hiba Rami Lama Nabil "
    "Claire Julien Camille Marc Elise Antoine Sophie Hugo Anna Lukas Marta Pavel Irina Oleg "
    "Elena Marco Giulia Peter Helen David Laura Thomas Ingrid Erik Aylin Emre Zeynep Murat "
    "Leila Farid Yasmin Sami"
)
LAST = words(
    "Haddad Khoury Nasser Saleh Mansour Darwish Hamdan Sabbagh Karam Jaber Shami Halabi Azar "
    "Bitar Qassem Yazbek Asfour Tannous Sarkis Hourani Atassi Kurdi Barakat Zein Murad Rahal "
    "Hakim Sayegh Attar Najjar Masri Homsi Idlibi Joumblatt Ghanem Khalil Saad Farah Aoun Chami "
    "Dubois Laurent Moreau Girard Lefebvre Fontaine Mercier Blanc Rousseau Garnier Weber "
    "Fischer Schmidt Novak Ivanova Petrov Sokolov Volkov Rossi Bianchi Ferrari Conti Marino "
    "Lindqvist Berg Holm Yilmaz Demir Kaya Sahin Celik Aydin Ozturk Arslan Doğan Koç Brennan "
    "Walsh Carter Hughes Foster Bennett Mitchell Palmer Reid Spencer Turner Ward Vance Okafor "
    "Mensah Diallo Traore Benali Amrani Tazi Idrissi Alaoui"
)
INITIALS = "ABCDEFGHJKLMNPRSTVWZ"

COUNTRIES = {  # slug: (name, adjective)
    "syria": ("Syria", "Syrian"),
    "france": ("France", "French"),
    "lebanon": ("Lebanon", "Lebanese"),
    "jordan": ("Jordan", "Jordanian"),
    "turkey": ("Turkey", "Turkish"),
    "iraq": ("Iraq", "Iraqi"),
    "egypt": ("Egypt", "Egyptian"),
    "kazakhstan": ("Kazakhstan", "Kazakh"),
    "russia": ("Russia", "Russian"),
    "switzerland": ("Switzerland", "Swiss"),
    "united-kingdom": ("United Kingdom", "British"),
    "germany": ("Germany", "German"),
    "italy": ("Italy", "Italian"),
    "united-states": ("United States", "American"),
    "belgium": ("Belgium", "Belgian"),
    "tunisia": ("Tunisia", "Tunisian"),
    "morocco": ("Morocco", "Moroccan"),
    "spain": ("Spain", "Spanish"),
    "sweden": ("Sweden", "Swedish"),
    "netherlands": ("Netherlands", "Dutch"),
}
CITIES = {  # slug: (name, country slug)
    "aleppo": ("Aleppo", "syria"),
    "damascus": ("Damascus", "syria"),
    "homs": ("Homs", "syria"),
    "latakia": ("Latakia", "syria"),
    "qamishli": ("Qamishli", "syria"),
    "raqqa": ("Raqqa", "syria"),
    "paris": ("Paris", "france"),
    "lyon": ("Lyon", "france"),
    "marseille": ("Marseille", "france"),
    "strasbourg": ("Strasbourg", "france"),
    "beirut": ("Beirut", "lebanon"),
    "byblos": ("Byblos", "lebanon"),
    "amman": ("Amman", "jordan"),
    "istanbul": ("Istanbul", "turkey"),
    "ankara": ("Ankara", "turkey"),
    "gaziantep": ("Gaziantep", "turkey"),
    "baghdad": ("Baghdad", "iraq"),
    "erbil": ("Erbil", "iraq"),
    "cairo": ("Cairo", "egypt"),
    "alexandria": ("Alexandria", "egypt"),
    "astana": ("Astana", "kazakhstan"),
    "almaty": ("Almaty", "kazakhstan"),
    "moscow": ("Moscow", "russia"),
    "saint-petersburg": ("Saint Petersburg", "russia"),
    "sochi": ("Sochi", "russia"),
    "geneva": ("Geneva", "switzerland"),
    "lausanne": ("Lausanne", "switzerland"),
    "london": ("London", "united-kingdom"),
    "manchester": ("Manchester", "united-kingdom"),
    "berlin": ("Berlin", "germany"),
    "munich": ("Munich", "germany"),
    "rome": ("Rome", "italy"),
    "milan": ("Milan", "italy"),
    "new-york": ("New York", "united-states"),
    "washington": ("Washington", "united-states"),
    "brussels": ("Brussels", "belgium"),
    "tunis": ("Tunis", "tunisia"),
    "rabat": ("Rabat", "morocco"),
    "madrid": ("Madrid", "spain"),
    "stockholm": ("Stockholm", "sweden"),
    "amsterdam": ("Amsterdam", "netherlands"),
    "the-hague": ("The Hague", "netherlands"),
}
TOPICS = [
    "Kurds",
    "religious minorities",
    "federalism",
    "secularism",
    "refugee return",
    "constitutional reform",
    "women's rights",
    "water sharing",
    "reconstruction",
    "decentralisation",
    "transitional justice",
    "detainees",
    "education",
    "press freedom",
    "oil revenues",
    "local councils",
    "ceasefires",
    "humanitarian access",
    "sanctions",
    "elections",
    "the Euphrates dams",
    "cultural heritage",
    "the Syrian diaspora",
    "labour unions",
]
ORG_ADJECTIVES = words(
    "Levantine Syrian Northern Free Democratic Secular National Civic Independent Progressive "
    "Pluralist Popular United Arab Kurdish Eastern Mediterranean Euphrates Coastal Southern "
    "Western Central Liberal Social Federal Republican Orontes Mountain Desert Valley"
)
ORG_NOUNS = words(
    "Reform Dialogue Renewal Unity Justice Liberty Solidarity Peace Future Dignity Citizenship "
    "Heritage Development Reconciliation Transition Equality Tolerance Progress Hope Accord "
    "Pluralism Freedom Democracy Rights Labour Commons Harmony Covenant Charter Horizon"
)
ORG_KINDS = words(
    "Forum Council Movement Coalition Institute Foundation Assembly Alliance Centre Network "
    "Front Union League Committee Party Initiative Platform Society Association Bloc"
)
EVENT_KINDS = ["Conference", "Congress", "Round Table", "Summit", "Symposium", "Talks"]
JOBS = [
    "lawyer",
    "economist",
    "journalist",
    "historian",
    "diplomat",
    "engineer",
    "physician",
    "political scientist",
    "novelist",
    "trade unionist",
    "activist",
    "teacher",
    "anthropologist",
    "architect",
    "film maker",
]
ROLE_NAMES = ["president", "co-president", "secretary-general", "spokesperson", "treasurer"]
HUB_ROLES = ["speaker", "observer", "panellist", "guest of honour", "delegate"]
MEMBERS = [
    "lawyers and teachers",
    "exiled intellectuals",
    "students and trade unionists",
    "local notables",
    "doctors and engineers",
    "artists and writers",
]
PURPOSE_VERBS = ["to campaign for", "to defend", "to promote", "to document", "to advocate"]
POSITIONS = [
    "that {topic} must have a place in any political settlement",
    "that {topic} cannot wait for the end of the war",
    "that the international community has neglected {topic}",
    "that no transition can succeed without {topic}",
]
OUTLETS = {  # slug: (name, language, type)
    "levant-observer": ("The Levant Observer", "en", "Periodical"),
    "courrier-du-levant": ("Le Courrier du Levant", "fr", "Periodical"),
    "mashriq-review": ("Mashriq Review", "en", "Periodical"),
    "gazette-de-lausanne": ("La Gazette de Lausanne", "fr", "Periodical"),
    "eastern-mediterranean-times": ("Eastern Mediterranean Times", "en", "Periodical"),
    "orient-hebdo": ("Orient Hebdo", "fr", "Periodical"),
    "euphrates-post": ("The Euphrates Post", "en", "Periodical"),
    "journal-du-proche-orient": ("Journal du Proche-Orient", "fr", "Periodical"),
    "geneva-diplomat": ("The Geneva Diplomat", "en", "Periodical"),
    "depeche-de-marseille": ("La Dépêche de Marseille", "fr", "Periodical"),
    "world-affairs-weekly": ("World Affairs Weekly", "en", "Periodical"),
    "syriamonitor-net": ("syriamonitor.net", "en", "WebSite"),
    "levantdaily-org": ("levantdaily.org", "en", "WebSite"),
    "analyses-orient-fr": ("analyses-orient.fr", "fr", "WebSite"),
    "peacetalks-watch-org": ("peacetalks-watch.org", "en", "WebSite"),
}
PUBLISHERS = {  # slug: (name, language)
    "meridian-press": ("Meridian Press", "en"),
    "editions-du-cedre": ("Éditions du Cèdre", "fr"),
    "harbour-books": ("Harbour Books", "en"),
    "editions-de-l-oronte": ("Éditions de l'Oronte", "fr"),
    "northgate-publishing": ("Northgate Publishing", "en"),
    "editions-du-jasmin": ("Éditions du Jasmin", "fr"),
    "crescent-academic": ("Crescent Academic", "en"),
    "editions-la-caravane": ("Éditions La Caravane", "fr"),
}
BOOK_TITLES = {
    "en": ["{city} Notebooks", "Letters from {city}", "After {city}", "The Road to {city}"],
    "fr": ["Carnets de {city}", "Lettres de {city}", "Après {city}", "La route de {city}"],
}
REF_TITLES = [  # (English, French); at most one of each per cell, so titles never repeat
    ("{P} and the rise of the {O}", "{P} et l'essor du {O}"),
    ("{O} gathers its supporters in {city}", "Le {O} réunit ses partisans à {city}"),
    ("Interview with {P} on {topic}", "Entretien avec {P} sur {topic}"),
    ("What the {E} changed", "Ce qu'a changé le {E}"),
]
REF_KINDS = ["NewsArticle"] * 6 + ["WebPage"] * 2 + ["VideoObject", "Report"]


# --- Terms ----------------------------------------------------------------------------------


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lang(text: str, tag: str = "en") -> str:
    return f'"{_escape(text)}"@{tag}'


def plain(text: str) -> str:
    return f'"{_escape(text)}"'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^xsd:{datatype}'


def isbn13(twelve: str) -> str:
    """The ISBN-13 whose first twelve digits are `twelve` (check digit: weights 1,3,1,3,...)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def issn(seven: str) -> str:
    total = sum(int(d) * w for d, w in zip(seven, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{seven[:4]}-{seven[4:]}{'X' if check == 10 else check}"


@dataclass(frozen=True)
class When:
    """A date as a typed literal and as the article writes it."""

    literal: str
    bare: str  # "5 March 2014", "March 2014", "2014"
    iso: str
    year: int

    @property
    def phrase(self) -> str:  # "on 5 March 2014", "in March 2014"
        return ("on " if self.bare[0].isdigit() and " " in self.bare else "in ") + self.bare


def when(rng: random.Random, lo: int, hi: int, precision: str | None = None) -> When:
    year, month, day = rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28)
    precision = precision or rng.choice(["date", "date", "gYearMonth", "gYear"])
    if precision == "date":
        iso = f"{year}-{month:02d}-{day:02d}"
        return When(typed(iso, "date"), f"{day} {MONTHS[month - 1]} {year}", iso, year)
    if precision == "gYearMonth":
        iso = f"{year}-{month:02d}"
        return When(typed(iso, "gYearMonth"), f"{MONTHS[month - 1]} {year}", iso, year)
    return When(typed(str(year), "gYear"), str(year), str(year), year)


class Names:
    """Unique, seed-dependent names: entity number n -> a distinct combination of the pools."""

    def __init__(self, seed: int) -> None:
        self.offset = random.Random(f"names:{seed}").randrange(1 << 30)

    @staticmethod
    def _pick(n: int, offset: int, radices: list[int]) -> tuple[list[int], int]:
        size = 1
        for radix in radices:
            size *= radix
        # 7919 is prime and divides none of the pool sizes, so this is a permutation of 0..size-1
        mixed, cycle = (n % size * 7919 + offset) % size, n // size
        digits = []
        for radix in radices:
            digits.append(mixed % radix)
            mixed //= radix
        return digits, cycle

    def person(self, n: int) -> tuple[str, str, str]:
        """(slug, given names, family name)"""
        (f, i, last), cycle = self._pick(n, self.offset, [len(FIRST), len(INITIALS), len(LAST)])
        given = f"{FIRST[f]} {INITIALS[i]}."
        name_slug = slug(f"{given} {LAST[last]}") + (f"-{cycle + 1}" if cycle else "")
        return name_slug, given, LAST[last]

    def organisation(self, n: int) -> tuple[str, str]:
        radices = [len(ORG_ADJECTIVES), len(ORG_NOUNS), len(ORG_KINDS)]
        (a, b, k), cycle = self._pick(n, self.offset, radices)
        name = f"{ORG_ADJECTIVES[a]} {ORG_NOUNS[b]} {ORG_KINDS[k]}"
        if cycle:
            name += f" {cycle + 1}"
        return slug(name), name


# --- Output ---------------------------------------------------------------------------------


class Sink:
    """Data files of one kind; the next one starts once `limit` loaded triples went into one."""

    def __init__(self, directory: Path, stem: str, suffix: str, limit: int, title: str) -> None:
        self.directory, self.stem, self.suffix = directory, stem, suffix
        self.limit, self.title = limit, title
        self.handle = None
        self.index = 0
        self.in_file = 0
        self.paths: list[Path] = []

    def write(self, text: str, triples: int) -> None:
        if self.handle is None or self.in_file >= self.limit:
            self.close()
            self.index += 1
            path = self.directory / f"{self.stem}-{self.index:04d}{self.suffix}"
            self.paths.append(path)
            self.handle = path.open("w", encoding="utf-8", newline="\n")
            self.handle.write(f"# {self.title} ({path.name}), written by bench/generate.py.\n\n")
            self.handle.write(HEADER + "\n")
            self.in_file = 0
        self.handle.write(text)
        self.in_file += triples

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


@dataclass
class Block:
    """What one cell (or the hub) writes: entities, claims, sentences, source records."""

    entities: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    data_triples: int = 0  # loaded triples from entities and claims
    source_triples: int = 0  # loaded triples from source records (+ the article's citations)


def describe(subject: str, pairs: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """Turtle for one subject with (predicate, object) pairs, and how many triples it holds."""
    pairs = list(pairs)
    lines = [f"{subject} {pairs[0][0]} {pairs[0][1]}"]
    lines += [f"    {predicate} {obj}" for predicate, obj in pairs[1:]]
    return " ;\n".join(lines) + " .\n\n", len(pairs)


class Generator:
    def __init__(self, out: Path, target: int, seed: int, file_triples: int) -> None:
        self.out, self.data = out, out / "data"
        self.target, self.seed = target, seed
        self.names = Names(seed)
        self.persons = 0
        self.organisations = 0
        self.loaded = 0  # loaded triples so far, counted exactly
        self.claims = 0
        self.statements = 0
        self.declared: set[str] = set()  # places, topics, outlets, publishers, journalists
        self.people: list[tuple[str, str]] = []  # (IRI, name) of generated people, for links
        self.orgs: list[tuple[str, str]] = []
        self.journalists: list[tuple[str, str, str]] = []  # (IRI, given, family)
        self.references = 0
        self.parts = Sink(self.data, "part", ".trig", file_triples, "Generated entities and claims")
        self.sources = Sink(self.data, "sources", ".ttl", file_triples, "Generated source records")
        self.text = None
        self.pending_entries = None  # reference entries, appended to the article at the end
        self.pending_citations = None  # the article's schema:citation list

    # -- building blocks -------------------------------------------------------------------

    def entity(self, block: Block, subject: str, types: str, names: list[str]) -> None:
        pairs = [("a", types)] + [("schema:name", name) for name in names]
        text, count = describe(subject, pairs)
        block.entities.append(text)
        block.data_triples += count + types.count(",")

    def claim(
        self, block: Block, name: str, quote: str, triples: list[tuple[str, str, str]], sources
    ) -> None:
        sentence = block.sentences[-1]
        assert quote in sentence, (quote, sentence)
        lines, previous = [], None
        for subject, predicate, obj in triples:
            if subject == previous:
                lines[-1] += " ;"
                lines.append(f"        {predicate} {obj}")
            else:
                if lines:
                    lines[-1] += " ."
                lines.append(f"    {subject} {predicate} {obj}")
            previous = subject
        lines[-1] += " ."
        body = "\n".join(lines)
        block.claims.append(
            f"claim:{name} {{\n{body}\n}}\n"
            f"claim:{name}\n    kgv:quote {plain(quote)} ;\n"
            f"    prov:wasDerivedFrom {' , '.join(sources)} .\n\n"
        )
        block.data_triples += len(triples) * (PER_CLAIM_TRIPLE + len(sources))
        self.claims += 1
        self.statements += len(triples)

    def say(self, block: Block, sentence: str) -> str:
        block.sentences.append(sentence)
        return sentence

    def country(self, block: Block, key: str) -> str:
        iri = f"kgr:{key}"
        if iri not in self.declared:
            self.declared.add(iri)
            self.entity(block, iri, "schema:Country", [lang(COUNTRIES[key][0])])
        return iri

    def city(self, block: Block, key: str, sources: list[str]) -> str:
        """A city, declared with the sentence and claim that place it the first time it is used."""
        iri = f"kgr:{key}"
        if iri not in self.declared:
            self.declared.add(iri)
            name, country_key = CITIES[key]
            country = self.country(block, country_key)
            self.entity(block, iri, "schema:City", [lang(name)])
            country_name = COUNTRIES[country_key][0]
            article = "the " if country_name.startswith(("United", "Netherlands")) else ""
            quote = self.say(block, f"{name} is a city in {article}{country_name}")
            self.claim(
                block,
                f"{key}-contained-in",
                quote,
                [(iri, "schema:containedInPlace", country)],
                sources,
            )
        return iri

    def topic(self, block: Block, name: str) -> str:
        iri = f"kgr:topic-{slug(name)}"
        if iri not in self.declared:
            self.declared.add(iri)
            self.entity(block, iri, "schema:Thing", [lang(name)])
        return iri

    def publisher(self, block: Block, key: str) -> str:
        iri = f"kgr:{key}"
        if iri not in self.declared:
            self.declared.add(iri)
            name, tag = PUBLISHERS[key]
            self.entity(block, iri, "schema:Organization", [lang(name, tag)])
        return iri

    def outlet(self, block: Block, key: str, rng: random.Random) -> str:
        iri = f"kgr:{key}"
        if iri not in self.declared:
            self.declared.add(iri)
            name, tag, kind = OUTLETS[key]
            pairs = [("a", f"schema:{kind}"), ("schema:name", lang(name, tag))]
            if kind == "Periodical":
                pairs.append(("schema:issn", plain(issn(f"{rng.randrange(10**7):07d}"))))
            text, count = describe(iri, pairs)
            block.records.append(text)
            block.source_triples += count
        return iri

    def new_person(self) -> tuple[str, str, str, str]:
        """(IRI, full name, given names, family name) of a person not used before."""
        key, given, family = self.names.person(self.persons)
        self.persons += 1
        return f"kgr:{key}", f"{given} {family}", given, family

    def journalist(self, block: Block, rng: random.Random) -> tuple[str, str, str]:
        if self.journalists and rng.random() < 0.6:
            return rng.choice(self.journalists)
        iri, name, given, family = self.new_person()
        text, count = describe(iri, [("a", "schema:Person"), ("schema:name", lang(name))])
        block.records.append(text)
        block.source_triples += count
        self.journalists.append((iri, given, family))
        return iri, given, family

    def reference(self, block: Block, rng: random.Random, titles: tuple[str, str], year: int):
        """A reference record, its entry for the article's reference list, and its IRI."""
        self.references += 1
        kind = rng.choice(REF_KINDS)
        outlets = [k for k, v in OUTLETS.items() if (v[2] == "WebSite") == (kind == "WebPage")]
        outlet_key = rng.choice(outlets)
        outlet_name, tag, _ = OUTLETS[outlet_key]
        english, french = titles
        published = when(rng, year, min(year + 2, 2024), "date")
        retrieved = when(rng, 2019, 2024, "date")
        iri = f"src:ref-{self.references:06d}-{slug(english)[:40].strip('-')}"
        pairs = [("a", f"kgv:SourceRecord , schema:{kind}")]
        pairs.append(("schema:name", lang(french, "fr") if tag == "fr" else lang(english)))
        if tag == "fr":
            pairs.append(("schema:alternateName", lang(english)))
        author = self.journalist(block, rng) if rng.random() < 0.8 else None
        if author:
            pairs.append(("schema:author", author[0]))
        pairs.append(("schema:isPartOf", self.outlet(block, outlet_key, rng)))
        pairs.append(("schema:datePublished", published.literal))
        pairs.append(("schema:inLanguage", plain(tag)))
        archived = when(rng, published.year, 2024, "date") if rng.random() < 0.3 else None
        if archived:
            pairs.append(("kgv:archivedOn", archived.literal))
        pairs.append(("kgv:retrievedOn", retrieved.literal))
        if tag == "fr":
            day, month, yy = published.iso[8:].lstrip("0"), int(published.iso[5:7]), published.year
            title_part = f'"{french}" [{english}]. {outlet_name} (in French).'
            dated = f"{day} {MOIS[month - 1]} {yy}"
        else:
            title_part = f'"{english}". {outlet_name}.'
            dated = published.iso
        entry = f"{author[2]}, {author[1]} ({dated}). {title_part}" if author else title_part
        if not author:
            entry += f" {dated}."
        if archived:
            entry += f" Archived from the original on {archived.iso}."
        entry += f" Retrieved {retrieved.iso}."
        pairs.append(("kgv:citationText", plain(entry)))
        text, count = describe(iri, pairs)
        block.records.append(text)
        block.source_triples += count + 1 + 1  # two types on one line, + the article's citation
        self.pending_entries.write(entry + "\n")
        self.pending_citations.write(iri + "\n")
        return iri

    # -- the hub -----------------------------------------------------------------------------

    def hub(self) -> Block:
        """Randa Kassis and what saved queries ask about by IRI (facts as the real article has)."""
        b = Block()
        A = [ARTICLE]
        wsj, astana_site, astana_times, guardian = (
            "src:wsj-2016-11-23-trump-jr-talks",
            "src:astanaplatform-com",
            "src:astana-times-2015-05-29-tentative-headway",
            "src:guardian-2016-11-23-trump-son",
        )
        people = {
            "randa-kassis": ["Randa Kassis", "رندة قسيس@ar"],
            "fabien-baussart": ["Fabien Baussart"],
            "sergey-lavrov": ["Sergey Lavrov"],
            "donald-trump-jr": ["Donald Trump Jr."],
            "alexandre-del-valle": ["Alexandre del Valle"],
            "baghdad-amreyev": ["Baghdad Amreyev"],
            "xavier-latour": ["Xavier Latour"],
        }
        for key, names in people.items():
            terms = [lang(*n.split("@")) if "@" in n else lang(n) for n in names]
            self.entity(b, f"kgr:{key}", "schema:Person", terms)
        for key, name in [
            ("astana-platform", "Astana Platform"),
            ("syrian-national-council", "Syrian National Council"),
            ("moscow-astana-group", "Moscow/Astana groups"),
        ]:
            self.entity(b, f"kgr:{key}", "schema:Organization", [lang(name)])
        for key, name in [
            ("astana-platform-round-1", "first round of the Astana platform"),
            ("geneva-peace-talks-2016", "2016 Geneva Peace Talks"),
            ("trump-jr-kassis-meeting", "meeting of Donald Trump Jr. and Randa Kassis"),
            (
                "syrian-constitution-drafting-2017",
                "2017 effort to start drafting a new constitution for Syria",
            ),
        ]:
            self.entity(b, f"kgr:{key}", "schema:Event", [lang(name)])
        snc_role = "kgr:randa-kassis-syrian-national-council-member"
        astana_role = "kgr:randa-kassis-astana-platform-president"
        geneva_role = "kgr:randa-kassis-geneva-peace-talks-2016-attendee"
        self.entity(
            b,
            snc_role,
            "schema:OrganizationRole",
            [lang("Randa Kassis, member of the Syrian National Council")],
        )
        self.entity(
            b,
            astana_role,
            "schema:OrganizationRole",
            [lang("Randa Kassis, President of the Astana Platform")],
        )
        self.entity(
            b,
            geneva_role,
            "schema:Role",
            [
                lang(
                    "Randa Kassis at the 2016 Geneva Peace Talks, "
                    "under the banner of the Moscow/Astana groups"
                )
            ],
        )
        france, syria = self.country(b, "france"), self.country(b, "syria")
        quote = self.say(
            b, "Randa Kassis is a Franco-Syrian politician, anthropologist and journalist"
        )
        self.claim(
            b,
            "kassis-nationality",
            "Randa Kassis is a Franco-Syrian politician",
            [(HUB, "schema:nationality", france), (HUB, "schema:nationality", syria)],
            A,
        )
        self.claim(
            b,
            "kassis-job-titles",
            quote,
            [
                (HUB, "schema:jobTitle", lang(job))
                for job in ("politician", "anthropologist", "journalist")
            ],
            A,
        )
        quote = self.say(b, "Kassis is married to Fabien Baussart")
        self.claim(b, "kassis-spouse", quote, [(HUB, "schema:spouse", "kgr:fabien-baussart")], A)
        quote = self.say(b, "She is a close friend of Sergey Lavrov")
        self.claim(b, "kassis-knows-lavrov", quote, [(HUB, "schema:knows", "kgr:sergey-lavrov")], A)
        quote = self.say(b, "She was a member of the Syrian National Council until August 2012")
        self.claim(
            b,
            "kassis-syrian-national-council-member",
            quote,
            [
                (HUB, "schema:memberOf", snc_role),
                (snc_role, "schema:memberOf", "kgr:syrian-national-council"),
                (snc_role, "schema:roleName", lang("member")),
                (snc_role, "schema:endDate", typed("2012-08", "gYearMonth")),
            ],
            A,
        )
        quote = self.say(
            b, "Randa Kassis initiated the Astana platform in 2015 and was its President"
        )
        self.claim(
            b,
            "astana-platform-founder",
            "Randa Kassis initiated the Astana platform in 2015",
            [
                ("kgr:astana-platform", "schema:founder", HUB),
                ("kgr:astana-platform", "schema:foundingDate", typed("2015", "gYear")),
            ],
            [*A, astana_site],
        )
        self.claim(
            b,
            "kassis-astana-platform-president",
            quote,
            [
                (HUB, "schema:memberOf", astana_role),
                (astana_role, "schema:memberOf", "kgr:astana-platform"),
                (astana_role, "schema:roleName", lang("President")),
                (astana_role, "kgv:isFormer", "true"),
            ],
            [*A, astana_site],
        )
        astana = self.city(b, "astana", A)
        round1 = "kgr:astana-platform-round-1"
        quote = self.say(
            b,
            "The first round of the Astana platform was held in Astana in May 2015 and "
            "moderated by Kazakh Ambassador Baghdad Amreyev",
        )
        self.claim(
            b,
            "astana-round-1",
            "The first round of the Astana platform was held in Astana in May 2015",
            [
                (round1, "schema:organizer", "kgr:astana-platform"),
                (round1, "schema:location", astana),
                (round1, "schema:startDate", typed("2015-05", "gYearMonth")),
            ],
            [*A, astana_times],
        )
        self.claim(
            b,
            "astana-round-1-moderator",
            quote,
            [(round1, "kgv:moderator", "kgr:baghdad-amreyev")],
            [*A, astana_times],
        )
        self.claim(
            b,
            "amreyev-job-title",
            "Kazakh Ambassador Baghdad Amreyev",
            [("kgr:baghdad-amreyev", "schema:jobTitle", lang("Kazakh Ambassador"))],
            A,
        )
        geneva = self.city(b, "geneva", A)
        talks = "kgr:geneva-peace-talks-2016"
        quote = self.say(
            b,
            "In 2016 Randa Kassis participated in the Geneva Peace Talks in Geneva under the "
            "banner of the Moscow/Astana groups",
        )
        self.claim(
            b,
            "geneva-peace-talks-2016",
            "In 2016 Randa Kassis participated in the Geneva Peace Talks in Geneva",
            [
                (talks, "schema:startDate", typed("2016", "gYear")),
                (talks, "schema:location", geneva),
            ],
            A,
        )
        self.claim(
            b,
            "geneva-peace-talks-2016-kassis-attendee",
            quote,
            [
                (talks, "schema:attendee", geneva_role),
                (geneva_role, "schema:attendee", HUB),
                (geneva_role, "kgv:underBannerOf", "kgr:moscow-astana-group"),
            ],
            A,
        )
        paris = self.city(b, "paris", A)
        meeting = "kgr:trump-jr-kassis-meeting"
        quote = self.say(
            b,
            "Donald Trump Jr met Randa Kassis in Paris before the US election, in talks on Syria "
            "arranged by Fabien Baussart",
        )
        self.claim(
            b,
            "trump-jr-meeting",
            "Donald Trump Jr met Randa Kassis in Paris",
            [
                (meeting, "schema:attendee", "kgr:donald-trump-jr"),
                (meeting, "schema:attendee", HUB),
                (meeting, "schema:location", paris),
            ],
            [*A, wsj, guardian],
        )
        self.claim(
            b,
            "trump-jr-meeting-about-syria",
            quote.split(" arranged")[0],
            [(meeting, "schema:about", syria)],
            [*A, wsj],
        )
        self.claim(
            b,
            "trump-jr-meeting-organizer",
            quote,
            [(meeting, "schema:organizer", "kgr:fabien-baussart")],
            [*A, guardian],
        )
        effort = "kgr:syrian-constitution-drafting-2017"
        quote = self.say(
            b,
            "In 2017, Kassis invited members of the Syrian opposition to start drafting a new "
            "constitution for Syria, with the help of French constitutionalist expert "
            "Xavier Latour",
        )
        self.claim(
            b,
            "constitution-drafting-2017",
            quote.split(", with")[0],
            [
                (effort, "schema:organizer", HUB),
                (effort, "schema:startDate", typed("2017", "gYear")),
                (effort, "kgv:purpose", lang("to start drafting a new constitution for Syria")),
            ],
            A,
        )
        self.claim(
            b,
            "constitution-drafting-2017-contributor-latour",
            quote,
            [(effort, "schema:contributor", "kgr:xavier-latour")],
            A,
        )
        self.claim(
            b,
            "latour-job-title",
            "French constitutionalist expert Xavier Latour",
            [("kgr:xavier-latour", "schema:jobTitle", lang("French constitutionalist expert"))],
            A,
        )
        # Her four books (the real titles, publishers and ISBN-13s).
        london = self.city(b, "london", A)
        books = [
            (
                "crypts-of-the-gods",
                "Crypts of the Gods",
                "en",
                "e-kutub",
                "E-Kutub",
                "2013",
                london,
                224,
                "9781492880608",
                None,
            ),
            (
                "le-chaos-syrien",
                "Le Chaos Syrien",
                "fr",
                "editions-dhow",
                "Editions Dhow",
                "2014",
                paris,
                320,
                "9791093501031",
                "alexandre-del-valle",
            ),
            (
                "comprendre-le-chaos-syrien",
                "Comprendre le chaos syrien",
                "fr",
                "l-artilleur",
                "L'Artilleur",
                "2016",
                paris,
                438,
                "9782810007318",
                None,
            ),
            (
                "la-syrie-et-le-retour-de-la-russie",
                "La Syrie et le Retour de la Russie",
                "fr",
                "editions-des-syrtes",
                "Editions des Syrtes",
                "2018",
                geneva,
                None,
                "9782940523634",
                None,
            ),
        ]
        for key, title, tag, pub_key, pub_name, year, place, pages, isbn, coauthor in books:
            assert isbn13(isbn[:12]) == isbn
            book = f"kgr:book-{key}"
            self.entity(b, book, "schema:Book", [lang(title, tag)])
            self.entity(b, f"kgr:{pub_key}", "schema:Organization", [lang(pub_name, tag)])
            authors = HUB_NAME + (" and Alexandre del Valle" if coauthor else "")
            quote = self.say(b, f"{title}, {authors}, {pub_name}, {year} ({tag.upper()})")
            triples = [(book, "schema:author", HUB)]
            if coauthor:
                triples.append((book, "schema:author", f"kgr:{coauthor}"))
            triples += [
                (book, "schema:publisher", f"kgr:{pub_key}"),
                (book, "schema:datePublished", typed(year, "gYear")),
                (book, "schema:inLanguage", plain(tag)),
            ]
            self.claim(b, f"{key}-works-entry", quote, triples, A)
            pages_text = f" runs to {pages} pages and" if pages else ""
            quote = self.say(b, f"{title}{pages_text} carries ISBN {isbn}")
            triples = [(book, "schema:isbn", plain(isbn))]
            if pages:
                triples.append((book, "schema:numberOfPages", str(pages)))
            self.claim(b, f"{key}-imprint", quote, triples, A)
            place_name = {london: "London", paris: "Paris", geneva: "Geneva"}[place]
            quote = self.say(b, f"{title} was published in {place_name}")
            self.claim(b, f"{key}-place", quote, [(book, "kgv:placeOfPublication", place)], A)
        series = "kgr:toucan-essais"
        self.entity(b, series, "schema:BookSeries", [lang("Toucan essais", "fr")])
        quote = self.say(b, "Comprendre le chaos syrien appeared in the series Toucan essais")
        self.claim(
            b,
            "comprendre-le-chaos-syrien-series",
            quote,
            [("kgr:book-comprendre-le-chaos-syrien", "schema:isPartOf", series)],
            A,
        )
        # Two stated positions, one of them criticised (positions-and-criticism's rows).
        minorities = "kgr:position-power-of-minorities"
        transition = "kgr:position-political-transition-with-assad-regime"
        self.entity(b, minorities, "kgv:Position", [lang("power of minorities")])
        self.entity(
            b, transition, "kgv:Position", [lang("political transition with Assad's regime")]
        )
        self.entity(b, "kgr:syrian-opposition", "schema:Organization", [lang("Syrian opposition")])
        self.entity(
            b,
            "kgr:assad-government",
            "schema:GovernmentOrganization",
            [lang("government of Bashar al-Assad")],
        )
        kurds = self.topic(b, "Kurds")
        quote = self.say(
            b,
            "Kassis believes in the power of minorities and their role in society, "
            "especially in Kurds",
        )
        self.claim(
            b,
            "kassis-position-power-of-minorities",
            quote,
            [
                (HUB, "kgv:holdsPosition", minorities),
                (minorities, "schema:description", lang(quote.split("in the ", 1)[1])),
                (minorities, "schema:about", kurds),
            ],
            A,
        )
        advocacy = "advocacy to a political transition in cooperation with Bashar al-Assad's regime"
        quote = self.say(b, f"She is criticized by other opposition members for her {advocacy}")
        self.claim(
            b,
            "kassis-position-political-transition",
            f"her {advocacy}",
            [
                (HUB, "kgv:holdsPosition", transition),
                (transition, "schema:description", lang(advocacy)),
                (transition, "schema:about", "kgr:assad-government"),
            ],
            [*A, guardian],
        )
        self.claim(
            b,
            "political-transition-criticized",
            quote,
            [(transition, "kgv:criticizedBy", "kgr:syrian-opposition")],
            A,
        )
        quote = self.say(b, "She is a leading secular figure of the Syrian opposition")
        self.claim(
            b,
            "kassis-leading-secular-figure",
            quote,
            [
                (
                    HUB,
                    "schema:description",
                    lang("leading secular figure of the Syrian opposition"),
                ),
                (HUB, "schema:affiliation", "kgr:syrian-opposition"),
            ],
            A,
        )
        self.hub_records(b)
        return b

    def hub_records(self, b: Block) -> None:
        """The hub's four references, as in data/sources.ttl (one is claims-by-source's default)."""
        for key, name, issn_number in [
            ("wall-street-journal", "Wall Street Journal", "0099-9660"),
            ("the-astana-times", "The Astana Times", None),
            ("the-guardian", "The Guardian", None),
        ]:
            pairs = [("a", "schema:Periodical"), ("schema:name", lang(name))]
            if issn_number:
                pairs.append(("schema:issn", plain(issn_number)))
            text, count = describe(f"kgr:{key}", pairs)
            b.records.append(text)
            b.source_triples += count
        text, count = describe(
            "kgr:astanaplatform-com",
            [("a", "schema:WebSite"), ("schema:name", lang("astanaplatform.com"))],
        )
        b.records.append(text)
        b.source_triples += count
        for key, name in [
            ("jay-solomon", "Jay Solomon"),
            ("malika-orazgaliyeva", "Malika Orazgaliyeva"),
            ("julian-borger", "Julian Borger"),
            ("raya-jalabi", "Raya Jalabi"),
        ]:
            text, count = describe(
                f"kgr:{key}", [("a", "schema:Person"), ("schema:name", lang(name))]
            )
            b.records.append(text)
            b.source_triples += count
        records = [
            (
                "src:wsj-2016-11-23-trump-jr-talks",
                "NewsArticle",
                [
                    (
                        "schema:name",
                        lang("Donald Trump Jr. Held Talks on Syria With Russia Supporters"),
                    ),
                    ("schema:author", "kgr:jay-solomon"),
                    ("schema:isPartOf", "kgr:wall-street-journal"),
                    ("schema:datePublished", typed("2016-11-23", "date")),
                    ("schema:inLanguage", plain("en")),
                    ("kgv:retrievedOn", typed("2020-10-06", "date")),
                ],
                'Solomon, Jay (2016-11-23). "Donald Trump Jr. Held Talks on Syria With Russia '
                'Supporters". Wall Street Journal. ISSN\u00a00099-9660. Retrieved 2020-10-06.',
            ),
            (
                "src:astanaplatform-com",
                "WebPage",
                [
                    ("schema:name", lang("Astana Platform")),
                    ("schema:isPartOf", "kgr:astanaplatform-com"),
                    ("schema:inLanguage", plain("en")),
                    ("kgv:archivedOn", typed("2021-09-08", "date")),
                    ("kgv:retrievedOn", typed("2020-10-06", "date")),
                ],
                '"Astana Platform". astanaplatform.com. Archived from the original on 2021-09-08. '
                "Retrieved 2020-10-06.",
            ),
            (
                "src:astana-times-2015-05-29-tentative-headway",
                "NewsArticle",
                [
                    (
                        "schema:name",
                        lang(
                            "Syrian Opposition Meeting in Astana Makes Tentative Headway in "
                            "Finding Way Forward for Peace Process"
                        ),
                    ),
                    ("schema:author", "kgr:malika-orazgaliyeva"),
                    ("schema:isPartOf", "kgr:the-astana-times"),
                    ("schema:datePublished", typed("2015-05-29", "date")),
                    ("schema:inLanguage", plain("en")),
                    ("kgv:retrievedOn", typed("2019-10-25", "date")),
                ],
                'Orazgaliyeva, Malika (2015-05-29). "Syrian Opposition Meeting in Astana Makes '
                'Tentative Headway in Finding Way Forward for Peace Process". The Astana Times. '
                "Retrieved 2019-10-25.",
            ),
            (
                "src:guardian-2016-11-23-trump-son",
                "NewsArticle",
                [
                    (
                        "schema:name",
                        lang(
                            "US Syria policy: signs of shift as Trump son meets "
                            "pro-Russia Damascus figure"
                        ),
                    ),
                    ("schema:author", "kgr:julian-borger"),
                    ("schema:author", "kgr:raya-jalabi"),
                    ("schema:isPartOf", "kgr:the-guardian"),
                    ("schema:datePublished", typed("2016-11-23", "date")),
                    ("schema:inLanguage", plain("en")),
                    ("kgv:retrievedOn", typed("2017-05-01", "date")),
                ],
                'Borger, Julian; Jalabi, Raya (23 November 2016). "US Syria policy: signs of '
                'shift as Trump son meets pro-Russia Damascus figure". The Guardian. '
                "Retrieved 1 May 2017.",
            ),
        ]
        for iri, kind, pairs, entry in records:
            pairs = [
                ("a", f"kgv:SourceRecord , schema:{kind}"),
                *pairs,
                ("kgv:citationText", plain(entry)),
            ]
            text, count = describe(iri, pairs)
            b.records.append(text)
            b.source_triples += count + 1 + 1  # two types on one line, + the article's citation
            self.pending_entries.write(entry + "\n")
            self.pending_citations.write(iri + "\n")

    # -- a cell ------------------------------------------------------------------------------

    def cell(self, number: int) -> Block:
        rng = random.Random(f"{self.seed}:cell:{number}")
        b = Block()
        p, p_name, _, _ = self.new_person()
        q, q_name, _, _ = self.new_person()
        o_key, o_name = self.names.organisation(self.organisations)
        self.organisations += 1
        o = f"kgr:{o_key}"
        p_key = p.removeprefix("kgr:")
        year = rng.randint(1995, 2020)
        event_kind = rng.choice(EVENT_KINDS)
        e_name = f"{o_name} {event_kind} {year + rng.randint(1, 3)}"
        e_key = slug(e_name)
        e = f"kgr:{e_key}"
        topic_name = rng.choice(TOPICS)
        city_keys = list(CITIES)
        home, venue = rng.choice(city_keys), rng.choice(city_keys)

        # References of this cell (2 or 3), with distinct title templates.
        templates = rng.sample(REF_TITLES, rng.choice([2, 2, 3]))
        fill = {
            "P": p_name,
            "O": o_name,
            "E": e_name,
            "city": CITIES[venue][0],
            "topic": topic_name,
        }
        refs = [
            self.reference(b, rng, (en.format(**fill), fr.format(**fill)), year)
            for en, fr in templates
        ]
        if rng.random() < 0.05:  # a reference no claim cites (unsourced-by-reference's rows)
            en, fr = next(t for t in REF_TITLES if t not in templates)
            self.reference(b, rng, (en.format(**fill), fr.format(**fill)), year)

        def sources() -> list[str]:
            r = rng.random()
            if r < 0.3:
                return [ARTICLE]
            if r < 0.75:
                return [ARTICLE, rng.choice(refs)]
            return [ARTICLE, *sorted(rng.sample(refs, 2))]

        # Entities: types and names.
        self.entity(b, p, "schema:Person", [lang(p_name)])
        self.entity(b, q, "schema:Person", [lang(q_name)])
        self.entity(b, o, "schema:Organization", [lang(o_name)])
        role = f"kgr:{p_key}-{o_key}-role"
        role_name = rng.choice(ROLE_NAMES)
        self.entity(
            b, role, "schema:OrganizationRole", [lang(f"{p_name}, {role_name} of the {o_name}")]
        )
        membership = f"kgr:{q.removeprefix('kgr:')}-{o_key}-member"
        self.entity(
            b, membership, "schema:OrganizationRole", [lang(f"{q_name}, member of the {o_name}")]
        )
        self.entity(b, e, "schema:Event", [lang(e_name)])
        topic = self.topic(b, topic_name)
        position = f"kgr:position-{p_key}-{slug(topic_name)}"
        self.entity(b, position, "kgv:Position", [lang(f"{p_name} on {topic_name}")])

        # 1. nationality and occupation
        country_key = rng.choice(list(COUNTRIES))
        country = self.country(b, country_key)
        job = rng.choice(JOBS)
        adjective = COUNTRIES[country_key][1]
        quote = self.say(b, f"{p_name} is a {adjective} {job}")
        self.claim(
            b,
            f"{p_key}-nationality-job",
            quote,
            [
                (p, "schema:nationality", country),
                (p, "schema:jobTitle", lang(job)),
            ],
            sources(),
        )
        # 2. founding of the organisation
        home_iri = self.city(b, home, [ARTICLE])
        founded = when(rng, year - 3, year)
        quote = self.say(b, f"{p_name} founded the {o_name} in {CITIES[home][0]} {founded.phrase}")
        self.claim(
            b,
            f"{o_key}-founding",
            quote,
            [
                (o, "schema:founder", p),
                (o, "schema:foundingDate", founded.literal),
                (o, "schema:foundingLocation", home_iri),
            ],
            sources(),
        )
        # 3. what it is and what it is for
        kind = rng.choice(["secular", "civic", "liberal", "grassroots"])
        description = f"a {kind} movement of {rng.choice(MEMBERS)}"
        purpose = f"{rng.choice(PURPOSE_VERBS)} {topic_name}"
        sentence = self.say(b, f"The {o_name}, {description}, was formed {purpose}")
        self.claim(
            b,
            f"{o_key}-description",
            f"The {o_name}, {description}",
            [(o, "schema:description", lang(description))],
            sources(),
        )
        self.claim(b, f"{o_key}-purpose", sentence, [(o, "kgv:purpose", lang(purpose))], sources())
        # 4. the founder's office, through an OrganizationRole
        start = when(rng, founded.year, founded.year + 2)
        triples = [
            (p, "schema:memberOf", role),
            (role, "schema:memberOf", o),
            (role, "schema:roleName", lang(role_name)),
            (role, "schema:startDate", start.literal),
        ]
        if rng.random() < 0.35:
            end = when(rng, start.year + 1, start.year + 8)
            quote = self.say(
                b,
                f"{p_name} served as {role_name} of the {o_name} "
                f"from {start.bare} until {end.bare}",
            )
            triples += [(role, "schema:endDate", end.literal), (role, "kgv:isFormer", "true")]
        else:
            quote = self.say(b, f"{p_name} has been {role_name} of the {o_name} since {start.bare}")
        self.claim(b, f"{p_key}-{o_key}-role", quote, triples, sources())
        # 5. a colleague and her membership
        q_key = q.removeprefix("kgr:")
        q_job = rng.choice(JOBS)
        quote = self.say(b, f"{q_name} is a {q_job} and a member of the {o_name}")
        self.claim(
            b,
            f"{q_key}-job",
            f"{q_name} is a {q_job}",
            [(q, "schema:jobTitle", lang(q_job))],
            sources(),
        )
        self.claim(
            b,
            f"{q_key}-{o_key}-member",
            quote,
            [
                (q, "schema:memberOf", membership),
                (membership, "schema:memberOf", o),
                (membership, "schema:roleName", lang("member")),
            ],
            sources(),
        )
        # 6. friends and spouse
        friend, friend_name = (
            (HUB, HUB_NAME) if not self.people or rng.random() < 0.05 else rng.choice(self.people)
        )
        quote = self.say(b, f"{p_name} is a close friend of {friend_name}")
        self.claim(b, f"{p_key}-knows", quote, [(p, "schema:knows", friend)], sources())
        if rng.random() < 0.15:
            quote = self.say(b, f"{p_name} is married to {q_name}")
            self.claim(b, f"{p_key}-spouse", quote, [(p, "schema:spouse", q)], sources())
        if rng.random() < 0.03:
            quote = self.say(b, f"{HUB_NAME} is a close friend of {p_name}")
            self.claim(b, f"kassis-knows-{p_key}", quote, [(HUB, "schema:knows", p)], sources())
        # 7. the event
        venue_iri = self.city(b, venue, [ARTICLE])
        e_year = int(e_name.rsplit(" ", 1)[1])
        held = when(rng, e_year, e_year)
        quote = self.say(
            b,
            f"{held.phrase[0].upper()}{held.phrase[1:]}, "
            f"the {o_name} held the {e_name} in {CITIES[venue][0]}",
        )
        self.claim(
            b,
            f"{e_key}-held",
            quote,
            [
                (e, "schema:organizer", o),
                (e, "schema:startDate", held.literal),
                (e, "schema:location", venue_iri),
            ],
            sources(),
        )
        if rng.random() < 0.6:
            quote = self.say(b, f"The {e_name} was moderated by {q_name}")
            self.claim(b, f"{e_key}-moderator", quote, [(e, "kgv:moderator", q)], sources())
        guest, guest_name = rng.choice(self.people) if self.people else (q, q_name)
        attendees = [(p, p_name), (guest, guest_name)]
        if rng.random() < 0.05:
            attendees.append((HUB, HUB_NAME))
        listed = ", ".join(n for _, n in attendees[:-1]) + " and " + attendees[-1][1]
        quote = self.say(b, f"{listed} attended the {e_name}")
        self.claim(
            b,
            f"{e_key}-attendees",
            quote,
            [(e, "schema:attendee", a) for a, _ in attendees],
            sources(),
        )
        if rng.random() < 0.08:  # the hub attends through a schema:Role
            hub_role = rng.choice(HUB_ROLES)
            attendance = f"kgr:randa-kassis-{e_key}-attendee"
            self.entity(
                b, attendance, "schema:Role", [lang(f"{HUB_NAME} at the {e_name}, as {hub_role}")]
            )
            quote = self.say(b, f"{HUB_NAME} took part in the {e_name} as {hub_role}")
            self.claim(
                b,
                f"{e_key}-kassis-attendee",
                quote,
                [
                    (e, "schema:attendee", attendance),
                    (attendance, "schema:attendee", HUB),
                    (attendance, "schema:roleName", lang(hub_role)),
                ],
                sources(),
            )
        if rng.random() < 0.03:
            quote = self.say(b, f"{HUB_NAME} helped to prepare the {e_name}")
            self.claim(
                b, f"{e_key}-kassis-contributor", quote, [(e, "schema:contributor", HUB)], sources()
            )
        # 8. a stated position, its critics and where it was stated
        stated = when(rng, year, year + 4, "gYear")
        view = rng.choice(POSITIONS).format(topic=topic_name)
        quote = self.say(b, f"In {stated.bare}, {p_name} argued {view}")
        self.claim(
            b,
            f"{p_key}-position",
            quote,
            [
                (p, "kgv:holdsPosition", position),
                (position, "schema:description", lang(view)),
                (position, "schema:about", topic),
                (position, "schema:dateCreated", stated.literal),
            ],
            sources(),
        )
        if self.orgs and rng.random() < 0.5:
            critic, critic_name = rng.choice(self.orgs)
            quote = self.say(
                b, f"{p_name}'s position on {topic_name} was criticised by the {critic_name}"
            )
            self.claim(
                b,
                f"{p_key}-position-criticized",
                quote,
                [(position, "kgv:criticizedBy", critic)],
                sources(),
            )
        if rng.random() < 0.3:
            quote = self.say(b, f"{p_name} set out this position at the {e_name}")
            self.claim(
                b, f"{p_key}-position-stated-at", quote, [(position, "kgv:statedAt", e)], sources()
            )
        # 9. expertise and affiliation
        expertise = rng.choice(TOPICS)
        expertise_iri = self.topic(b, expertise)
        quote = self.say(b, f"{p_name} is an expert on {expertise}")
        self.claim(
            b, f"{p_key}-knows-about", quote, [(p, "schema:knowsAbout", expertise_iri)], sources()
        )
        if self.orgs and rng.random() < 0.3:
            other, other_name = rng.choice(self.orgs)
            quote = self.say(b, f"{p_name} is affiliated with the {other_name}")
            self.claim(
                b, f"{p_key}-affiliation", quote, [(p, "schema:affiliation", other)], sources()
            )
        # 10. sometimes a book, with a valid ISBN-13
        if rng.random() < 0.35:
            tag = rng.choice(["en", "en", "fr"])
            place_key = rng.choice(city_keys)
            title = rng.choice(BOOK_TITLES[tag]).format(city=CITIES[place_key][0])
            book = f"kgr:book-{p_key}"
            self.entity(b, book, "schema:Book", [lang(title, tag)])
            pub_key = rng.choice([k for k, v in PUBLISHERS.items() if v[1] == tag])
            publisher = self.publisher(b, pub_key)
            published = rng.randint(year, 2023)
            authors = [(p, p_name)] + ([(q, q_name)] if rng.random() < 0.2 else [])
            quote = self.say(
                b,
                f"{title}, {' and '.join(n for _, n in authors)}, {PUBLISHERS[pub_key][0]}, "
                f"{published} ({tag.upper()})",
            )
            self.claim(
                b,
                f"book-{p_key}-works-entry",
                quote,
                [
                    *[(book, "schema:author", a) for a, _ in authors],
                    (book, "schema:publisher", publisher),
                    (book, "schema:datePublished", typed(str(published), "gYear")),
                    (book, "schema:inLanguage", plain(tag)),
                ],
                sources(),
            )
            place = self.city(b, place_key, [ARTICLE])
            isbn = isbn13(rng.choice(["978", "979"]) + f"{rng.randrange(10**9):09d}")
            pages = rng.randint(80, 640)
            quote = self.say(
                b,
                f"{title} was printed in {CITIES[place_key][0]}, runs to {pages} pages and "
                f"carries ISBN {isbn}",
            )
            self.claim(
                b,
                f"book-{p_key}-imprint",
                quote,
                [
                    (book, "kgv:placeOfPublication", place),
                    (book, "schema:numberOfPages", str(pages)),
                    (book, "schema:isbn", plain(isbn)),
                ],
                sources(),
            )
        self.people += [(p, p_name), (q, q_name)]
        self.orgs.append((o, o_name))
        return b

    # -- writing -----------------------------------------------------------------------------

    def emit(self, block: Block, title: str) -> None:
        text = f"# {title}\n\n" + "".join(block.entities) + "".join(block.claims)
        if title == HUB_TITLE:  # the hub has a file of its own, like data/randa-kassis.trig
            with (self.data / "randa-kassis.trig").open("w", encoding="utf-8", newline="\n") as f:
                f.write(f"# {HUB_TITLE}, written by bench/generate.py.\n\n{HEADER}\n{text}")
        else:
            self.parts.write(text, block.data_triples)
        if block.records:
            self.sources.write("".join(block.records), block.source_triples)
        self.text.write(". ".join(block.sentences) + ".\n\n")
        self.loaded += block.data_triples + block.source_triples

    def run(self) -> dict[str, int]:
        self.data.mkdir(parents=True)
        scratch = self.out / ".generate"
        scratch.mkdir()
        self.text = (self.data / EVIDENCE_FILE).open("w", encoding="utf-8", newline="\n")
        self.pending_entries = (scratch / "entries").open("w+", encoding="utf-8", newline="\n")
        self.pending_citations = (scratch / "citations").open("w+", encoding="utf-8", newline="\n")
        self.text.write(
            f"{HUB_NAME} (synthetic benchmark article, seed {self.seed}). Written by "
            "bench/generate.py: apart from the first paragraph, every person, organisation, "
            "event, book and source below is invented.\n\n"
        )
        article_triples = 5  # two types, name, inLanguage, evidenceFile (+ one per citation)
        self.loaded += article_triples
        self.emit(self.hub(), HUB_TITLE)
        cells = 0
        while self.loaded < self.target:
            block = self.cell(cells)
            self.emit(block, f"Cell {cells}")
            cells += 1
        self.parts.close()
        self.sources.close()
        # The reference list, on one line after the body, and the article's record.
        self.text.write("References\n")
        self.pending_entries.seek(0)
        self.text.write(" ".join(line.rstrip("\n") for line in self.pending_entries))
        self.text.write("\n")
        self.text.close()
        self.pending_citations.seek(0)
        citations = [line.rstrip("\n") for line in self.pending_citations]
        with (self.data / "article.ttl").open("w", encoding="utf-8", newline="\n") as handle:
            handle.write("# The synthetic article: the evidence text of every claim.\n\n" + HEADER)
            handle.write(
                f"\n{ARTICLE} a kgv:SourceRecord , schema:Article ;\n"
                f"    schema:name {lang(f'{HUB_NAME} (synthetic benchmark article)')} ;\n"
                f'    schema:inLanguage "en" ;\n'
                f"    kgv:evidenceFile {plain(EVIDENCE_FILE)} ;\n"
                "    schema:citation\n        " + " ,\n        ".join(citations) + " .\n"
            )
        self.pending_entries.close()
        self.pending_citations.close()
        shutil.rmtree(scratch)
        return {
            "loaded_triples": self.loaded,
            "cells": cells,
            "claims": self.claims,
            "statements": self.statements,
            "references": self.references + 4,
            "files": len(list(self.data.iterdir())),
        }


def generate(out: Path, target: int, seed: int = 1, file_triples: int = DEFAULT_FILE_TRIPLES):
    """Write a synthetic kg tree of about `target` loaded triples into `out` (which must not hold
    one already); returns counts, among them the exact `loaded_triples`."""
    out = Path(out)
    for name in ("ontology", "queries"):
        shutil.copytree(REPO / name, out / name)
    return Generator(out, target, seed, file_triples).run()


def parse_count(text: str) -> int:
    value = float(text)  # accepts 10000, 1e4, 2.5e6
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--triples",
        type=parse_count,
        required=True,
        help="target number of triples in the loaded graph (e.g. 1e5)",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write the tree into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--file-triples",
        type=parse_count,
        default=DEFAULT_FILE_TRIPLES,
        help="loaded triples per generated data file (default 50000)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing tree in --out")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            parser.error(f"{args.out} is not empty; pass --force to replace it")
        for name in ("ontology", "queries", "data", ".generate"):
            shutil.rmtree(args.out / name, ignore_errors=True)
    start = time.perf_counter()
    counts = generate(args.out, args.triples, args.seed, args.file_triples)
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
    print(f"{args.out}: {summary} in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
