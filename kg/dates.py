"""Dates at the precision the text gives, and the day range each one covers.

A fact keeps its date as written (`"2014"^^xsd:gYear`, `"2012-08"^^xsd:gYearMonth`,
`"2018-01-30"^^xsd:date`). Engines compare those types differently (rdflib orders a gYear
against a date, Oxigraph does not; `YEAR()` is empty for a gYear), so the loader puts beside
each dated statement the first and last day it covers, as `xsd:date` (`kgv:earliest`,
`kgv:latest`): Wikidata's time-plus-precision, in two values every engine compares the same way.
"""

from __future__ import annotations

import calendar
import re

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day"}

_FORMS = {
    "year": re.compile(r"(\d{4})"),
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "day": re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
}


def bounds(lexical: str, datatype: str | None) -> tuple[str, str] | None:
    """The first and last day (ISO `YYYY-MM-DD`) a date literal covers, or None when it is not
    a gYear, gYearMonth or date of four-digit year without a time zone (left as written)."""
    precision = DATE_TYPES.get(str(datatype)) if datatype else None
    match = _FORMS[precision].fullmatch(lexical.strip()) if precision else None
    if match is None:
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if precision != "year" else None
    if month is not None and not 1 <= month <= 12:
        return None
    if precision == "year":
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    last_day = calendar.monthrange(year, month)[1]
    if precision == "month":
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last_day:02d}"
    day = int(match.group(3))
    if not 1 <= day <= last_day:
        return None
    return (f"{year:04d}-{month:02d}-{day:02d}",) * 2


MONTHS = [calendar.month_name[m] for m in range(1, 13)]


def spoken_forms(lexical: str, datatype: str | None) -> list[str]:
    """The ways a text may write a date literal: "2012-08" is "August 2012", "2012-08", ...

    Used to check that a quote states the date its statement asserts.
    """
    precision = DATE_TYPES.get(str(datatype)) if datatype else None
    if precision is None or bounds(lexical, datatype) is None:
        return []
    parts = lexical.strip().split("-")
    year = parts[0]
    if precision == "year":
        return [year]
    month = MONTHS[int(parts[1]) - 1]
    short = month[:3]
    if precision == "month":
        return [f"{month} {year}", f"{short} {year}", f"{year}-{parts[1]}"]
    day = str(int(parts[2]))
    return [
        f"{day} {month} {year}",
        f"{month} {day}, {year}",
        f"{month} {day} {year}",
        f"{short} {day}, {year}",
        f"{day} {short} {year}",
        lexical.strip(),
    ]
