"""kg: a sourced knowledge graph of Randa Kassis, and the toolkit to check and use it."""

__version__ = "0.1.0"
