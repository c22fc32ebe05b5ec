"""Generate a synthetic kg tree with the shape of the real graph, at about N loaded triples.

Usage:
    python bench/generate.py --triples 100000 --out /tmp/kg-1e5 [--seed 1] [--file-triples 50000]

The tree holds a copy of the repository's ontology/ and queries/, and a generated data/, written
in the authoring convention of docs/authoring.md:

- `synthetic-article.txt`: the evidence text, an "article" whose sentences state every fact,
  then a reference list (all entries on one line, as in the real article);
- `article.ttl`: the article's source record, `src:wikipedia-randa-kassis` (the IRI the saved
  queries use), with `kgv:evidenceFile` and `schema:citation` listing every reference record;
- `randa-kassis.trig`: a hub modelled on the real graph (Randa Kassis and her alternate name
  "Kassis", her four books with their real ISBN-13s and their book citations, the Astana
  platform and its rounds, the Syrian National Council, the 2017 constitution effort, the Rome
  road map, the Trump Jr. meeting, ...), with the real article's sentences and reference
  entries, so the saved queries that name these IRIs return rows;
- `part-NNNN.trig`: generated "cells" (a person and a colleague, an organisation founded and
  joined through schema:OrganizationRole nodes, an event it organised, held as a round or to
  which the founder invited, a kgv:Position and its critics, sometimes a book with a valid
  ISBN-13 and a book citation about it, sometimes links to the hub);
- `sources-NNNN.ttl`: the reference records (kgv:SourceRecord + schema:NewsArticle, WebPage,
  VideoObject, Report, or CreativeWork for a book citation), each with its entry verbatim as
  kgv:citationText, and the outlets (schema:isPartOf: periodicals, web sites, news agencies and
  institutes) and journalists they name.

Each claim is a named graph with exactly one kgv:quote that names every object (or carries
kgv:mentionReviewed, as a boolean always does), cited with plain prov:wasDerivedFrom the article
and crediting zero to two references, each as a prov:qualifiedDerivation with its reason: words of
its entry (kgv:entryWords) or kgv:topicOnly. A claim whose quote is a reference's title is marked
kgv:quoteIn kgv:referenceList and credits that reference by those words. A claim that asserts a
date credits no reference published before it (a cell gives each date a claim of its own).

N counts what `kg.load.load` builds: asserted triples plus what it derives per claim triple: an
rdf:Statement (rdf:type, subject, predicate, object, kgv:fromClaim, and a copy of the claim's
kgv:quote, kgv:quoteIn, kgv:mentionReviewed and plain prov:wasDerivedFrom), per credited reference
five triples (prov:wasDerivedFrom, prov:qualifiedDerivation, and the prov:Derivation's type,
entity and reason), kgv:earliest and kgv:latest for a date, and the inverse fact and statement of a
schema:spouse. The generator counts them exactly as it writes (no triple is written twice) and
stops at the first cell that reaches N, so the loaded graph holds N plus at most one cell (a few
hundred triples), and never less than the hub's ~1,500. Output is streamed: only names, IRIs and
counters are kept, never a graph. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import random
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
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
# What the loader derives for each claim triple, besides what it copies from the claim: the
# statement's rdf:type, rdf:subject, rdf:predicate, rdf:object and kgv:fromClaim.
PER_STATEMENT = 5
# Per credited reference and statement: prov:wasDerivedFrom, prov:qualifiedDerivation, and the
# prov:Derivation's rdf:type, prov:entity and reason (kgv:entryWords or kgv:topicOnly).
PER_CREDIT = 5
PER_DATE = 2  # kgv:earliest and kgv:latest of a statement whose object is a date
SYMMETRIC = {"schema:spouse"}  # the loader derives the inverse fact and its statement
DEFAULT_FILE_TRIPLES = 50_000
UNDATED = "9999-12-31"  # a record with no publication date can attest any date


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
POSITIONS = [  # a stated view: the position's name and description, in the article's words
    "{topic} must have a place in any political settlement",
    "{topic} cannot wait for the end of the war",
    "the international community has neglected {topic}",
    "no transition can succeed without {topic}",
]
GROUPS = {  # groups of people named as critics (schema:Thing), as "other opposition members" is
    "other-opposition-members": "other opposition members",
    "exiled-activists": "exiled activists",
    "local-council-members": "local council members",
}
END_REASONS = [
    "after a dispute over its funding",
    "to found a new party",
    "after the movement split",
    "in protest at its leadership",
    "to take up a post abroad",
]
OUTLETS = {  # slug: (name, language, type): a record's schema:isPartOf
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
    # news agencies and an institute: outlets typed schema:Organization
    "levant-press-agency": ("Levant Press Agency", "en", "Organization"),
    "agence-mediterranee-presse": ("Agence Méditerranée Presse", "fr", "Organization"),
    "institute-for-levant-studies": ("Institute for Levant Studies", "en", "Organization"),
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
REF_TITLES = [  # (English, French, the fact its words state); at most one of each per cell
    ("{P} and the rise of the {O}", "{P} et l'essor du {O}", "founding"),
    ("The {E} opens in {city}", "Le {E} s'ouvre à {city}", "venue"),  # a fact from a headline
    ("Interview with {P} on {topic}", "Entretien avec {P} sur {topic}", "position"),
    ("{Q} joins the {O}", "{Q} rejoint le {O}", "membership"),
    ("What the {E} changed", "Ce qu'a changé le {E}", None),  # cited for its topic only
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


def a(phrase: str) -> str:
    """The phrase with its indefinite article: "a lawyer", "an economist"."""
    return ("an " if phrase[0].lower() in "aeiou" else "a ") + phrase


def the(name: str) -> str:
    """A country's name as a sentence writes it: "the United Kingdom", "Syria"."""
    return f"the {name}" if name.startswith(("United", "Netherlands")) else name


def normalised(text: str) -> str:
    """Whitespace as kg's checks compare text: runs of white space (no-break too) are one space."""
    return " ".join(text.split())


DATE_LITERAL = re.compile(r'"([0-9-]+)"\^\^xsd:(gYear|gYearMonth|date)')
DATE_PARTS = {"gYear": 1, "gYearMonth": 2, "date": 3}


def day_range(term: str) -> tuple[str, str] | None:
    """The first and last day (ISO) a date literal covers, as the loader derives them
    (kgv:earliest, kgv:latest); None for a term that is not a date."""
    match = DATE_LITERAL.fullmatch(term)
    if match is None:
        return None
    parts = match.group(1).split("-")
    if len(parts) != DATE_PARTS[match.group(2)]:
        return None
    if len(parts) == 3:
        return (match.group(1),) * 2
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{parts[0]}-{parts[1]}-01", f"{parts[0]}-{parts[1]}-{last:02d}"
    return f"{parts[0]}-01-01", f"{parts[0]}-12-31"


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

    @property
    def first(self) -> str:  # the first day it covers, what a credited reference must not precede
        return day_range(self.literal)[0]


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


# --- The hub: the real graph's own facts, as data ------------------------------------------
#
# Sentences, records and claims as data/*.trig and data/sources.ttl hold them (a subset: every
# kind of fact, credit and reason the real graph has, and every IRI a saved query names), quoting
# the real article's sentences and reference entries.

K = HUB  # the subject of most hub facts


@dataclass(frozen=True)
class Entity:
    """A hub entity: its types and names, the only triples outside claims."""

    local: str
    types: str
    names: Sequence[tuple[str, str]]  # (text, language tag)
    alternates: Sequence[tuple[str, str]] = ()


def en(*names: str) -> list[tuple[str, str]]:
    return [(name, "en") for name in names]


def fr(*names: str) -> list[tuple[str, str]]:
    return [(name, "fr") for name in names]


PERSON, ORG, EVENT = "schema:Person", "schema:Organization", "schema:Event"
ORG_ROLE, ROLE, THING = "schema:OrganizationRole", "schema:Role", "schema:Thing"
HUB_ENTITIES = [
    Entity("randa-kassis", PERSON, [("Randa Kassis", "en"), ("رندة قسيس", "ar")], en("Kassis")),
    Entity("fabien-baussart", PERSON, en("Fabien Baussart")),
    Entity("sergey-lavrov", PERSON, en("Sergey Lavrov")),
    Entity("alexandre-del-valle", PERSON, en("Alexandre del Valle")),
    Entity("baghdad-amreyev", PERSON, en("Baghdad Amreyev")),
    Entity("erland-idrissov", PERSON, en("Erland Idrissov")),
    Entity("xavier-latour", PERSON, en("Xavier Latour")),
    Entity("yasar-yakis", PERSON, en("Yasar Yakis")),
    Entity("giulio-terzi", PERSON, en("Giulio Terzi")),
    Entity("donald-trump-jr", PERSON, en("Donald Trump Jr."), en("Donald Trump Jr")),
    Entity("president-of-kazakhstan", "kgv:Office", en("President of Kazakhstan")),
    Entity("astana-platform", ORG, en("Astana Platform")),
    Entity(
        "syrian-national-council",
        ORG,
        [("Syrian National Council", "en"), ("Conseil National Syrien", "fr")],
    ),
    Entity("syrian-opposition", ORG, en("Syrian opposition")),
    Entity(
        "assad-government",
        "schema:GovernmentOrganization",
        en("government of Bashar al-Assad"),
        en("Bashar al-Assad's regime"),
    ),
    Entity("moscow-astana-group", ORG, en("Moscow/Astana groups"), en("Moscow-Astana Group")),
    Entity(
        "center-of-political-and-foreign-affairs",
        ORG,
        en("Center of Political and Foreign Affairs"),
        en("CPFA"),
    ),
    Entity("sant-egidio", ORG, en("Sant'Egidio")),
    Entity("e-kutub", ORG, en("E-Kutub")),
    Entity("editions-dhow", ORG, fr("Editions Dhow")),
    Entity("l-artilleur", ORG, fr("L'Artilleur")),
    Entity("editions-des-syrtes", ORG, fr("Editions des Syrtes")),
    Entity("toucan-essais", "schema:BookSeries", fr("Toucan essais")),
    Entity("book-crypts-of-the-gods", "schema:Book", en("Crypts of the Gods")),
    Entity(
        "book-le-chaos-syrien",
        "schema:Book",
        fr("Le Chaos Syrien, printemps arabes et minorités face à l'islamisme"),
        fr("Le chaos Syrien"),
    ),
    Entity(
        "book-comprendre-le-chaos-syrien",
        "schema:Book",
        fr("Comprendre le chaos syrien, des révolutions arabes au jihad mondial"),
    ),
    Entity(
        "book-la-syrie-et-le-retour-de-la-russie",
        "schema:Book",
        fr("La Syrie et le Retour de la Russie"),
    ),
    Entity("syrian-civil-war", EVENT, en("Syrian Civil War"), en("Syrian Conflict")),
    Entity("arab-spring", EVENT, en("Arab Spring")),
    Entity("astana-platform-round-1", EVENT, en("first round of the Astana platform")),
    Entity("astana-platform-round-2", EVENT, en("second round of the Astana platform")),
    Entity("geneva-peace-talks-2016", EVENT, en("2016 Geneva Peace Talks")),
    Entity(
        "syrian-constitution-drafting-2017",
        EVENT,
        en("2017 effort to start drafting a new constitution for Syria"),
    ),
    Entity("syrian-national-congress-2018", EVENT, en("Syrian National Congress")),
    Entity("rome-road-map-2018", EVENT, en("road map to peace (October 2018)")),
    Entity("trump-jr-kassis-meeting", EVENT, en("meeting of Donald Trump Jr. and Randa Kassis")),
    Entity(
        "randa-kassis-astana-platform-president",
        ORG_ROLE,
        en("Randa Kassis, President of the Astana Platform"),
    ),
    Entity(
        "randa-kassis-syrian-national-council-member",
        ORG_ROLE,
        en("Randa Kassis, member of the Syrian National Council"),
    ),
    Entity(
        "fabien-baussart-center-of-political-and-foreign-affairs-president",
        ORG_ROLE,
        en("Fabien Baussart, President of the Center of Political and Foreign Affairs"),
    ),
    Entity(
        "randa-kassis-geneva-peace-talks-2016-attendee",
        ROLE,
        en(
            "Randa Kassis at the 2016 Geneva Peace Talks, under the banner of the Moscow/Astana "
            "groups"
        ),
    ),
    Entity(
        "randa-kassis-syrian-national-congress-2018-attendee",
        ROLE,
        en("Randa Kassis at the Syrian National Congress, as President of the Astana platform"),
    ),
    Entity(
        "position-power-of-minorities",
        "kgv:Position",
        en("power of minorities and their role in society"),
    ),
    Entity(
        "position-political-transition-with-assad-regime",
        "kgv:Position",
        en("political transition in cooperation with Bashar al-Assad's regime"),
    ),
    Entity("france", "schema:Country", en("France")),
    Entity("syria", "schema:Country", en("Syria")),
    Entity("london", "schema:City", en("London")),
    Entity("paris", "schema:City", en("Paris")),
    Entity("geneva", "schema:City", [("Geneva", "en"), ("Genève", "fr")]),
    Entity("astana", "schema:City", en("Astana")),
    Entity("sochi", "schema:City", [("Sochi", "en"), ("Сочи", "ru")]),
    Entity("rome", "schema:City", en("Rome")),
    Entity("middle-east", "schema:Place", en("Middle East")),
    Entity("vatican", "schema:Place", en("Vatican")),
    Entity("kurds", THING, en("Kurds")),
    Entity("other-opposition-members", THING, en("other opposition members")),
    Entity("representatives-of-the-opposition", THING, en("representatives of the opposition")),
]

# The hub's paragraph of the article: the real article's sentences (a subset), then its works list.
WORKS = [
    "Crypts of the Gods, Randa Kassis, Editions E- Kutub, 2013 (EN)",
    "Le Chaos Syrien, printemps arabes et minorités face à l'islamisme, Randa Kassis and "
    "Alexandre del Valle, Editions Dhow, 2014 (FR)",
    "Comprendre le chaos syrien, des révolutions arabes au jihad mondial, L'Artilleur, coll. "
    "Toucan essais, 2016 (FR)",
    "La Syrie et le Retour de la Russie, Editions des Syrtes, 2018 (FR)",
]
HUB_PROSE = [
    "Randa Kassis (Arabic: رندة قسيس) is a Franco-Syrian politician and a leading secular figure "
    "of the Syrian opposition",
    "She was the President of The Astana Platform of the Syrian opposition",
    "She is a close friend of Sergey Lavrov",
    "She was a member of the Syrian National Council until August 2012",
    "Kassis believes in the power of minorities and their role in society, especially in Kurds",
    "Kassis is no longer a member of the Syrian National Council, having been excluded due to "
    "her many declarations alerting the Syrian opposition about the rise of Muslim fundamentalists",
    "Kassis is also an anthropologist and journalist",
    'She has also published a book called "Crypts of The Gods", which is a book on religions, '
    "their origins, and their ways of functioning",
    "Since the beginning of the Syrian Civil War on March 15, 2011, she has become a leading "
    "commentator on the Syrian Conflict and the wider complexities of the Arab Spring and the "
    "future of the Middle East region",
    "Randa Kassis initiated the Astana platform in 2015 after her request to the President of "
    "Kazakhstan to form a platform that could assemble moderate Syrian opponents",
    "The first round of the Astana platform was moderated by Kazakh Ambassador Baghdad Amreyev "
    "and the opening session was chaired by the Kazakh Minister of Foreign Affairs Erland Idrissov",
    "The second round was moderated by Fabien Baussart, President of the Center of Political and "
    "Foreign Affairs (CPFA)",
    "Randa Kassis participated in the 2016 Geneva Peace Talks under the banner of the "
    "Moscow/Astana groups",
    "She is criticized by other opposition members for her advocacy to a political transition in "
    "cooperation with Bashar al-Assad's regime",
    "In 2017, Kassis invited many members of the Syrian opposition, academics and "
    "constitutionalists with the help of French constitutionalist expert Xavier Latour, former "
    "Minister of Foreign Affairs of Turkey Yasar Yakis and former Minister of Foreign Affairs of "
    "Italy Giulio Terzi, in order to start drafting a new constitution for Syria",
    "On 30 January 2018 Randa Kassis, along with other members of the Astana platform, "
    "participated in the Syrian National Congress as President of the Astana platform",
    "October 2018, Kassis worked to include many political factions of the opposition to reach a "
    "road map to peace",
    "The document was drawn up by representatives of the opposition invited to Rome by "
    "Sant'Egidio, an organisation closed to the Vatican",
    "Kassis is married to Fabien Baussart who founded the 2006 established think tank Center of "
    "Political and Foreign Affairs (CPFA)",
    *WORKS,
]

# Outlets and authors the hub's records name: (IRI, type, name, language tag, ISSN).
HUB_AGENTS = [
    ("kgr:wall-street-journal", "schema:Periodical", "Wall Street Journal", "en", "0099-9660"),
    ("kgr:astanaplatform-com", "schema:WebSite", "astanaplatform.com", "en", None),
    ("kgr:middle-east-eye", "schema:Periodical", "Middle East Eye", "en", None),
    ("kgr:reuters", ORG, "Reuters", "en", None),
    ("kgr:france-soir", "schema:Periodical", "France Soir", "fr", None),
    ("kgr:the-astana-times", "schema:Periodical", "The Astana Times", "en", None),
    ("kgr:the-guardian", "schema:Periodical", "The Guardian", "en", None),
    ("kgr:bbc-news-russian", "schema:Periodical", "BBC News Русская Служба", "ru", None),
    ("kgr:jay-solomon", PERSON, "Jay Solomon", "en", None),
    ("kgr:mee-staff", ORG, "MEE staff", "en", None),
    ("kgr:john-irish", PERSON, "John Irish", "en", None),
    ("kgr:malika-orazgaliyeva", PERSON, "Malika Orazgaliyeva", "en", None),
    ("kgr:un-media", ORG, "UN Media", "en", None),
    ("kgr:julian-borger", PERSON, "Julian Borger", "en", None),
    ("kgr:raya-jalabi", PERSON, "Raya Jalabi", "en", None),
    ("kgr:oleg-boldyrev", PERSON, "Олег Болдырев", "ru", None),
]


@dataclass(frozen=True)
class Record:
    """A reference record: one entry of the article's reference list."""

    iri: str
    kind: str  # NewsArticle, WebPage, VideoObject, Report, or CreativeWork for a book citation
    title: tuple[str, str]  # (text, language tag)
    entry: str  # kgv:citationText, verbatim
    language: str
    date: str | None = None  # schema:datePublished, a typed literal
    authors: Sequence[str] = ()
    outlet: str | None = None  # schema:isPartOf
    about: str | None = None  # a book citation's kgr: book
    archived: str | None = None
    retrieved: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        pairs = [("a", f"kgv:SourceRecord , schema:{self.kind}")]
        pairs.append(("schema:name", lang(*self.title)))
        pairs += [("schema:author", author) for author in self.authors]
        if self.outlet:
            pairs.append(("schema:isPartOf", self.outlet))
        if self.date:
            pairs.append(("schema:datePublished", self.date))
        if self.about:
            pairs.append(("schema:about", self.about))
        pairs.append(("schema:inLanguage", plain(self.language)))
        if self.archived:
            pairs.append(("kgv:archivedOn", typed(self.archived, "date")))
        if self.retrieved:
            pairs.append(("kgv:retrievedOn", typed(self.retrieved, "date")))
        pairs.append(("kgv:citationText", plain(self.entry)))
        return pairs


NBSP = "\u00a0"
MEE_TITLE = "Donald Trump Jr met Randa Kassis before US election"
BBC_TITLE = "Сирийский конгресс в Сочи"
FRANCE_SOIR_TITLE = (
    "Entretien avec Randa Kassis, opposante et intellectuelle syrienne porte-parole de la "
    "Coalition des Forces Laïques et membre du Conseil National Syrien"
)
IMPRINTS = {  # a book citation's words that state the book's place, pages and ISBN
    "crypts": f"Crypts of the gods. London: E-Kutub. p.{NBSP}224. ISBN{NBSP}978-1492880608",
    "chaos": f"Le chaos Syrien. Paris: Editions Dhow. p.{NBSP}320. ISBN{NBSP}979-1093501031",
    "comprendre": f"France: L'artilleur. p.{NBSP}438. ISBN{NBSP}9782810007318",
    "syrie": f"Randa., Kassis (2018). La Syrie et le retour de la Russie. Genève. "
    f"ISBN{NBSP}978-2940523634. OCLC{NBSP}1027055736",
}
COMPRENDRE_AUTHOR = (
    "Kassis, Randa (June 8, 2016). COMPRENDRE LE CHAOS SYRIEN DES RÉVOLUTIONS ARABES AU JIHAD "
    "MONDIAL"
)
HUB_RECORDS = [  # in the order the real reference list cites them
    Record(
        "src:wsj-2016-11-23-trump-jr-talks",
        "NewsArticle",
        ("Donald Trump Jr. Held Talks on Syria With Russia Supporters", "en"),
        'Solomon, Jay (2016-11-23). "Donald Trump Jr. Held Talks on Syria With Russia '
        f'Supporters". Wall Street Journal. ISSN{NBSP}0099-9660. Retrieved 2020-10-06.',
        "en",
        typed("2016-11-23", "date"),
        ["kgr:jay-solomon"],
        "kgr:wall-street-journal",
        retrieved="2020-10-06",
    ),
    Record(
        "src:astanaplatform-com",
        "WebPage",
        ("Astana Platform", "en"),
        '"Astana Platform". astanaplatform.com. Archived from the original on 2021-09-08. '
        "Retrieved 2020-10-06.",
        "en",
        outlet="kgr:astanaplatform-com",
        archived="2021-09-08",
        retrieved="2020-10-06",
    ),
    Record(
        "src:mee-2016-11-24-trump-son",
        "NewsArticle",
        (
            "Trump's son met Moscow-backed Syrian 'opposition' politician: Donald Trump Jr met "
            "Randa Kassis before US election, strengthening expectations Trump administration "
            "will side with Russia in Syria",
            "en",
        ),
        "MEE staff (24 November 2016). \"Trump's son met Moscow-backed Syrian 'opposition' "
        "politician: Donald Trump Jr met Randa Kassis before US election, strengthening "
        'expectations Trump administration will side with Russia in Syria". Middle East Eye. '
        "Archived from the original on 6 July 2019. Retrieved 27 March 2024.",
        "en",
        typed("2016-11-24", "date"),
        ["kgr:mee-staff"],
        "kgr:middle-east-eye",
        archived="2019-07-06",
        retrieved="2024-03-27",
    ),
    Record(
        "src:reuters-2011-09-16-france-hails-council",
        "NewsArticle",
        ("France hails Syria council, develops contacts", "en"),
        'Irish, John (2011-09-16). "France hails Syria council, develops contacts". Reuters. '
        "Retrieved 2020-10-06.",
        "en",
        typed("2011-09-16", "date"),
        ["kgr:john-irish"],
        "kgr:reuters",
        retrieved="2020-10-06",
    ),
    Record(
        "src:france-soir-2011-11-11-entretien",
        "NewsArticle",
        (FRANCE_SOIR_TITLE, "fr"),
        f'"{FRANCE_SOIR_TITLE}", France Soir, 11 November 2011.',
        "fr",
        typed("2011-11-11", "date"),
        outlet="kgr:france-soir",
    ),
    Record(  # cited for no fact: a row of unsourced-by-reference, with no outlet
        "src:peacetalks-randa-kassis",
        "WebPage",
        ("Randa Kassis \u2013 PeaceTalks", "en"),  # an en dash, as the entry has it
        '"Randa Kassis \u2013 PeaceTalks". Retrieved 2022-07-07.',
        "en",
        retrieved="2022-07-07",
    ),
    Record(
        "src:astana-times-2015-05-29-tentative-headway",
        "NewsArticle",
        (
            "Syrian Opposition Meeting in Astana Makes Tentative Headway in Finding Way Forward "
            "for Peace Process",
            "en",
        ),
        'May 2015, Malika Orazgaliyeva in International on 29 (2015-05-29). "Syrian Opposition '
        'Meeting in Astana Makes Tentative Headway in Finding Way Forward for Peace Process". The '
        "Astana Times. Retrieved 2019-10-25.{{cite web}}: CS1 maint: numeric names: authors list "
        "(link)",
        "en",
        typed("2015-05-29", "date"),
        ["kgr:malika-orazgaliyeva"],
        "kgr:the-astana-times",
        retrieved="2019-10-25",
    ),
    Record(
        "src:astana-times-2015-10-06-representatives-meet",
        "NewsArticle",
        ("Representatives of Syrian Opposition Meet in Astana", "en"),
        'October 2015, Malika Orazgaliyeva in International on 6 (2015-10-06). "Representatives '
        'of Syrian Opposition Meet in Astana". The Astana Times. Retrieved 2019-10-25.'
        "{{cite web}}: CS1 maint: numeric names: authors list (link)",
        "en",
        typed("2015-10-06", "date"),
        ["kgr:malika-orazgaliyeva"],
        "kgr:the-astana-times",
        retrieved="2019-10-25",
    ),
    Record(
        "src:un-media-2016-03-moscow-astana-stakeout",
        "VideoObject",
        ("Moscow-Astana Group - Media Stakeout", "en"),
        'UN Media (March 2016). "Moscow-Astana Group - Media Stakeout".',
        "en",
        typed("2016-03", "gYearMonth"),
        ["kgr:un-media"],
    ),
    Record(
        "src:guardian-2016-11-23-trump-son",
        "NewsArticle",
        ("US Syria policy: signs of shift as Trump son meets pro-Russia Damascus figure", "en"),
        'Borger, Julian; Jalabi, Raya (23 November 2016). "US Syria policy: signs of shift as '
        'Trump son meets pro-Russia Damascus figure". The Guardian. Retrieved 1 May 2017.',
        "en",
        typed("2016-11-23", "date"),
        ["kgr:julian-borger", "kgr:raya-jalabi"],
        "kgr:the-guardian",
        retrieved="2017-05-01",
    ),
    Record(
        "src:bbc-russian-2018-01-31-sochi-congress",
        "NewsArticle",
        (f"{BBC_TITLE}: диалог без ясных результатов", "ru"),
        f'Болдырев, Олег (2018-01-31). "{BBC_TITLE}: диалог без ясных результатов". BBC News '
        "Русская Служба.",
        "ru",
        typed("2018-01-31", "date"),
        ["kgr:oleg-boldyrev"],
        "kgr:bbc-news-russian",
    ),
    Record(
        "src:book-2013-crypts-of-the-gods",
        "CreativeWork",
        ("Crypts of the gods", "en"),
        f"Kassis, Randa (2013). {IMPRINTS['crypts']}.",
        "en",
        typed("2013", "gYear"),
        about="kgr:book-crypts-of-the-gods",
    ),
    Record(
        "src:book-2014-le-chaos-syrien",
        "CreativeWork",
        ("Le chaos Syrien", "fr"),
        f"Kassis, Randa (2014). {IMPRINTS['chaos']}.",
        "fr",
        typed("2014", "gYear"),
        about="kgr:book-le-chaos-syrien",
    ),
    Record(
        "src:book-2016-comprendre-le-chaos-syrien",
        "CreativeWork",
        ("COMPRENDRE LE CHAOS SYRIEN DES RÉVOLUTIONS ARABES AU JIHAD MONDIAL", "fr"),
        f"{COMPRENDRE_AUTHOR} (TOUC.ESSAIS{NBSP}ed.). {IMPRINTS['comprendre']}.",
        "fr",
        typed("2016-06-08", "date"),
        about="kgr:book-comprendre-le-chaos-syrien",
    ),
    Record(
        "src:book-2018-la-syrie-et-le-retour-de-la-russie",
        "CreativeWork",
        ("La Syrie et le retour de la Russie", "fr"),
        f"{IMPRINTS['syrie']}.{{{{cite book}}}}: CS1 maint: location missing publisher (link)",
        "fr",
        typed("2018", "gYear"),
        about="kgr:book-la-syrie-et-le-retour-de-la-russie",
    ),
]


@dataclass(frozen=True)
class Claim:
    """A hub claim: its triples, its quote, and each reference credited with its reason (entry
    words, or None for topic only)."""

    name: str
    quote: str
    triples: Sequence[tuple[str, str, str]]
    credits: Sequence[tuple[str, str | None]] = ()
    reviewed: str | None = None  # kgv:mentionReviewed
    in_entry: bool = False  # kgv:quoteIn kgv:referenceList


def topic_only(*sources: str) -> list[tuple[str, None]]:
    return [(source, None) for source in sources]


AP_ROLE = "kgr:randa-kassis-astana-platform-president"
SNC_ROLE = "kgr:randa-kassis-syrian-national-council-member"
CPFA_ROLE = "kgr:fabien-baussart-center-of-political-and-foreign-affairs-president"
GENEVA_ROLE = "kgr:randa-kassis-geneva-peace-talks-2016-attendee"
CONGRESS_ROLE = "kgr:randa-kassis-syrian-national-congress-2018-attendee"
MINORITIES = "kgr:position-power-of-minorities"
TRANSITION = "kgr:position-political-transition-with-assad-regime"
CPFA = "kgr:center-of-political-and-foreign-affairs"
EFFORT = "kgr:syrian-constitution-drafting-2017"
CONGRESS = "kgr:syrian-national-congress-2018"
ROAD_MAP = "kgr:rome-road-map-2018"
MEETING = "kgr:trump-jr-kassis-meeting"
GUARDIAN = "src:guardian-2016-11-23-trump-son"
ASTANA_TIMES = "src:astana-times-2015-05-29-tentative-headway"
UN_MEDIA = "src:un-media-2016-03-moscow-astana-stakeout"
BBC = "src:bbc-russian-2018-01-31-sochi-congress"
CRYPTS, CHAOS = "kgr:book-crypts-of-the-gods", "kgr:book-le-chaos-syrien"
COMPRENDRE = "kgr:book-comprendre-le-chaos-syrien"
SYRIE = "kgr:book-la-syrie-et-le-retour-de-la-russie"
TRANSITION_WORDS = "advocacy to a political transition in cooperation with Bashar al-Assad's regime"
EXCLUSION = (
    "excluded due to her many declarations alerting the Syrian opposition about the rise of "
    "Muslim fundamentalists"
)
COMMENTATOR = (
    "she has become a leading commentator on the Syrian Conflict and the wider complexities of "
    "the Arab Spring and the future of the Middle East region"
)
INVITED = (
    "In 2017, Kassis invited many members of the Syrian opposition, academics and "
    "constitutionalists"
)
HELPERS = (
    "with the help of French constitutionalist expert Xavier Latour, former Minister of Foreign "
    "Affairs of Turkey Yasar Yakis and former Minister of Foreign Affairs of Italy Giulio Terzi"
)
CONGRESS_WORDS = (
    "Randa Kassis, along with other members of the Astana platform, participated in the Syrian "
    "National Congress"
)
HUB_CLAIMS = [
    Claim(
        "kassis-nationality",
        "Randa Kassis (Arabic: رندة قسيس) is a Franco-Syrian politician",
        [(K, "schema:nationality", "kgr:france"), (K, "schema:nationality", "kgr:syria")],
        reviewed='"Franco-Syrian" names France and Syria as one adjective',
    ),
    Claim(
        "kassis-job-politician",
        "is a Franco-Syrian politician",
        [(K, "schema:jobTitle", lang("politician"))],
    ),
    Claim(
        "kassis-leading-secular-figure",
        "a leading secular figure of the Syrian opposition",
        [
            (K, "schema:description", lang("leading secular figure of the Syrian opposition")),
            (K, "schema:affiliation", "kgr:syrian-opposition"),
        ],
    ),
    Claim(
        "kassis-astana-platform-president",
        "She was the President of The Astana Platform of the Syrian opposition",
        [
            (K, "schema:memberOf", AP_ROLE),
            (AP_ROLE, "schema:memberOf", "kgr:astana-platform"),
            (AP_ROLE, "schema:roleName", lang("President")),
        ],
        topic_only("src:astanaplatform-com"),
    ),
    Claim(
        "kassis-astana-platform-president-former",
        "She was the President of The Astana Platform",
        [(AP_ROLE, "kgv:isFormer", "true")],
        reviewed='"She was" (past tense) says the role has ended',
    ),
    Claim(
        "kassis-close-friend-of-lavrov",
        "She is a close friend of Sergey Lavrov",
        [(K, "kgv:closeFriendOf", "kgr:sergey-lavrov")],
    ),
    Claim(
        "kassis-syrian-national-council-member",
        "She was a member of the Syrian National Council",
        [
            (K, "schema:memberOf", SNC_ROLE),
            (SNC_ROLE, "schema:memberOf", "kgr:syrian-national-council"),
            (SNC_ROLE, "schema:roleName", lang("member")),
        ],
        [
            ("src:france-soir-2011-11-11-entretien", FRANCE_SOIR_TITLE),
            ("src:reuters-2011-09-16-france-hails-council", None),
        ],
    ),
    Claim(  # no reference predates August 2012 and says so: the article's alone
        "kassis-syrian-national-council-member-end-date",
        "She was a member of the Syrian National Council until August 2012",
        [(SNC_ROLE, "schema:endDate", typed("2012-08", "gYearMonth"))],
    ),
    Claim(
        "kassis-syrian-national-council-end-reason",
        f"Kassis is no longer a member of the Syrian National Council, having been {EXCLUSION}",
        [(SNC_ROLE, "kgv:endReason", lang(EXCLUSION))],
    ),
    Claim(
        "kassis-position-power-of-minorities",
        "Kassis believes in the power of minorities and their role in society, especially in Kurds",
        [
            (K, "kgv:holdsPosition", MINORITIES),
            (
                MINORITIES,
                "schema:description",
                lang("the power of minorities and their role in society, especially in Kurds"),
            ),
            (MINORITIES, "schema:about", "kgr:kurds"),
        ],
    ),
    Claim(
        "kassis-job-anthropologist-journalist",
        "Kassis is also an anthropologist and journalist",
        [
            (K, "schema:jobTitle", lang("anthropologist")),
            (K, "schema:jobTitle", lang("journalist")),
        ],
    ),
    Claim(
        "kassis-leading-commentator",
        COMMENTATOR,
        [
            (K, "kgv:leadingCommentatorOn", "kgr:syrian-civil-war"),
            (K, "kgv:leadingCommentatorOn", "kgr:arab-spring"),
            (K, "kgv:leadingCommentatorOn", "kgr:middle-east"),
        ],
    ),
    Claim(
        "kassis-leading-commentator-since",
        "Since the beginning of the Syrian Civil War on March 15, 2011, she has become a leading "
        "commentator",
        [(K, "kgv:leadingCommentatorSince", typed("2011-03-15", "date"))],
    ),
    Claim(
        "syrian-civil-war-start-date",
        "the beginning of the Syrian Civil War on March 15, 2011",
        [("kgr:syrian-civil-war", "schema:startDate", typed("2011-03-15", "date"))],
    ),
    Claim(
        "crypts-of-the-gods-description",
        '"Crypts of The Gods", which is a book on religions, their origins, and their ways of '
        "functioning",
        [
            (
                CRYPTS,
                "schema:description",
                lang("a book on religions, their origins, and their ways of functioning"),
            )
        ],
    ),
    Claim(
        "astana-platform-founder",
        "Randa Kassis initiated the Astana platform",
        [("kgr:astana-platform", "schema:founder", K)],
        topic_only("src:astanaplatform-com", ASTANA_TIMES),
    ),
    Claim(
        "astana-platform-founding-date",
        "initiated the Astana platform in 2015",
        [("kgr:astana-platform", "schema:foundingDate", typed("2015", "gYear"))],
        topic_only(ASTANA_TIMES),
    ),
    Claim(
        "astana-platform-request-addressed-to",
        "initiated the Astana platform in 2015 after her request to the President of Kazakhstan",
        [("kgr:astana-platform", "kgv:requestAddressedTo", "kgr:president-of-kazakhstan")],
    ),
    Claim(
        "astana-platform-purpose",
        "her request to the President of Kazakhstan to form a platform that could assemble "
        "moderate Syrian opponents",
        [
            (
                "kgr:astana-platform",
                "kgv:purpose",
                lang("to form a platform that could assemble moderate Syrian opponents"),
            )
        ],
    ),
    Claim(
        "astana-round-1-round-of",
        "The first round of the Astana platform",
        [("kgr:astana-platform-round-1", "kgv:roundOf", "kgr:astana-platform")],
        topic_only(ASTANA_TIMES),
    ),
    Claim(
        "astana-round-1-moderator",
        "The first round of the Astana platform was moderated by Kazakh Ambassador Baghdad Amreyev",
        [("kgr:astana-platform-round-1", "kgv:moderator", "kgr:baghdad-amreyev")],
        topic_only(ASTANA_TIMES),
    ),
    Claim(
        "astana-round-1-opening-session-chair",
        "the opening session was chaired by the Kazakh Minister of Foreign Affairs Erland Idrissov",
        [("kgr:astana-platform-round-1", "kgv:openingSessionChair", "kgr:erland-idrissov")],
        topic_only(ASTANA_TIMES),
    ),
    Claim(
        "amreyev-job-title",
        "Kazakh Ambassador Baghdad Amreyev",
        [("kgr:baghdad-amreyev", "schema:jobTitle", lang("Kazakh Ambassador"))],
    ),
    Claim(
        "idrissov-job-title",
        "the Kazakh Minister of Foreign Affairs Erland Idrissov",
        [("kgr:erland-idrissov", "schema:jobTitle", lang("Kazakh Minister of Foreign Affairs"))],
    ),
    Claim(  # the quote runs into the next sentence, where the text names the second round
        "astana-round-2-round-of",
        "The first round of the Astana platform was moderated by Kazakh Ambassador Baghdad "
        "Amreyev and the opening session was chaired by the Kazakh Minister of Foreign Affairs "
        "Erland Idrissov. The second round",
        [("kgr:astana-platform-round-2", "kgv:roundOf", "kgr:astana-platform")],
        topic_only("src:astana-times-2015-10-06-representatives-meet"),
    ),
    Claim(
        "astana-round-2-moderator",
        "The second round was moderated by Fabien Baussart",
        [("kgr:astana-platform-round-2", "kgv:moderator", "kgr:fabien-baussart")],
        topic_only("src:astana-times-2015-10-06-representatives-meet"),
    ),
    Claim(
        "baussart-cpfa-president",
        "Fabien Baussart, President of the Center of Political and Foreign Affairs (CPFA)",
        [
            ("kgr:fabien-baussart", "schema:memberOf", CPFA_ROLE),
            (CPFA_ROLE, "schema:memberOf", CPFA),
            (CPFA_ROLE, "schema:roleName", lang("President")),
        ],
    ),
    Claim(
        "cpfa-founder",
        "Fabien Baussart who founded the 2006 established think tank Center of Political and "
        "Foreign Affairs",
        [(CPFA, "schema:founder", "kgr:fabien-baussart")],
    ),
    Claim(
        "cpfa-founding-date",
        "the 2006 established think tank Center of Political and Foreign Affairs",
        [(CPFA, "schema:foundingDate", typed("2006", "gYear"))],
    ),
    Claim(
        "cpfa-description",
        "think tank Center of Political and Foreign Affairs (CPFA)",
        [(CPFA, "schema:description", lang("think tank"))],
    ),
    Claim(
        "geneva-peace-talks-2016-start-date",
        "the 2016 Geneva Peace Talks",
        [
            ("kgr:geneva-peace-talks-2016", "schema:startDate", typed("2016", "gYear")),
            ("kgr:geneva-peace-talks-2016", "schema:location", "kgr:geneva"),
        ],
        topic_only(UN_MEDIA),
    ),
    Claim(
        "geneva-peace-talks-2016-kassis-attendee",
        "Randa Kassis participated in the 2016 Geneva Peace Talks under the banner of the "
        "Moscow/Astana groups",
        [
            ("kgr:geneva-peace-talks-2016", "schema:attendee", GENEVA_ROLE),
            (GENEVA_ROLE, "schema:attendee", K),
            (GENEVA_ROLE, "kgv:underBannerOf", "kgr:moscow-astana-group"),
        ],
        [(UN_MEDIA, "Moscow-Astana Group")],
    ),
    Claim(
        "kassis-position-political-transition",
        f"her {TRANSITION_WORDS}",
        [
            (K, "kgv:holdsPosition", TRANSITION),
            (TRANSITION, "schema:description", lang(TRANSITION_WORDS)),
            (TRANSITION, "schema:about", "kgr:assad-government"),
        ],
        topic_only(GUARDIAN),
    ),
    Claim(  # the article names "other opposition members", not the opposition as a whole
        "political-transition-criticized",
        f"She is criticized by other opposition members for her {TRANSITION_WORDS}",
        [(TRANSITION, "kgv:criticizedBy", "kgr:other-opposition-members")],
    ),
    Claim(  # she "invited" the participants: no organiser is named
        "constitution-drafting-2017-invited-by",
        INVITED,
        [(EFFORT, "kgv:invitedBy", K)],
    ),
    Claim(
        "constitution-drafting-2017-start-date",
        INVITED,
        [(EFFORT, "schema:startDate", typed("2017", "gYear"))],
    ),
    Claim(
        "constitution-drafting-2017-contributor-latour",
        "with the help of French constitutionalist expert Xavier Latour",
        [(EFFORT, "schema:contributor", "kgr:xavier-latour")],
    ),
    Claim(
        "constitution-drafting-2017-contributor-yakis",
        "with the help of French constitutionalist expert Xavier Latour, former Minister of "
        "Foreign Affairs of Turkey Yasar Yakis",
        [(EFFORT, "schema:contributor", "kgr:yasar-yakis")],
    ),
    Claim(
        "constitution-drafting-2017-contributor-terzi",
        HELPERS,
        [(EFFORT, "schema:contributor", "kgr:giulio-terzi")],
    ),
    Claim(
        "constitution-drafting-2017-purpose",
        "in order to start drafting a new constitution for Syria",
        [(EFFORT, "kgv:purpose", lang("to start drafting a new constitution for Syria"))],
    ),
    Claim(
        "latour-job-title",
        "French constitutionalist expert Xavier Latour",
        [("kgr:xavier-latour", "schema:jobTitle", lang("French constitutionalist expert"))],
    ),
    Claim(
        "yakis-job-title",
        "former Minister of Foreign Affairs of Turkey Yasar Yakis",
        [
            (
                "kgr:yasar-yakis",
                "schema:jobTitle",
                lang("former Minister of Foreign Affairs of Turkey"),
            )
        ],
    ),
    Claim(
        "terzi-job-title",
        "former Minister of Foreign Affairs of Italy Giulio Terzi",
        [
            (
                "kgr:giulio-terzi",
                "schema:jobTitle",
                lang("former Minister of Foreign Affairs of Italy"),
            )
        ],
    ),
    Claim(
        "syrian-national-congress-2018-start-date",
        f"On 30 January 2018 {CONGRESS_WORDS}",
        [(CONGRESS, "schema:startDate", typed("2018-01-30", "date"))],
        topic_only(BBC),
    ),
    Claim(
        "syrian-national-congress-2018-kassis-attendee",
        f"{CONGRESS_WORDS} as President of the Astana platform",
        [
            (CONGRESS, "schema:attendee", CONGRESS_ROLE),
            (CONGRESS_ROLE, "schema:attendee", K),
            (CONGRESS_ROLE, "schema:roleName", lang("President of the Astana platform")),
        ],
        topic_only(BBC),
    ),
    Claim(
        "syrian-national-congress-2018-astana-platform-attendee",
        "along with other members of the Astana platform, participated in the Syrian National "
        "Congress",
        [(CONGRESS, "schema:attendee", "kgr:astana-platform")],
        topic_only(BBC),
    ),
    Claim(  # only the reference list places the congress: the BBC's headline
        "syrian-national-congress-2018-location",
        BBC_TITLE,
        [(CONGRESS, "schema:location", "kgr:sochi")],
        [(BBC, BBC_TITLE)],
        in_entry=True,
    ),
    Claim(
        "rome-road-map-2018-start-date",
        "October 2018, Kassis worked to include many political factions of the opposition to "
        "reach a road map to peace",
        [(ROAD_MAP, "schema:startDate", typed("2018-10", "gYearMonth"))],
    ),
    Claim(
        "rome-road-map-2018-contributor",
        "Kassis worked to include many political factions of the opposition to reach a road map "
        "to peace",
        [(ROAD_MAP, "schema:contributor", K)],
    ),
    Claim(
        "rome-road-map-2018-outcome",
        "to reach a road map to peace",
        [(ROAD_MAP, "kgv:outcome", lang("a road map to peace"))],
    ),
    Claim(
        "rome-road-map-2018-drawn-up-by",
        "The document was drawn up by representatives of the opposition",
        [(ROAD_MAP, "kgv:drawnUpBy", "kgr:representatives-of-the-opposition")],
    ),
    Claim(
        "opposition-representatives-invited-to-rome",
        "representatives of the opposition invited to Rome",
        [("kgr:representatives-of-the-opposition", "kgv:invitedTo", "kgr:rome")],
    ),
    Claim(
        "opposition-representatives-invited-by-sant-egidio",
        "representatives of the opposition invited to Rome by Sant'Egidio",
        [("kgr:representatives-of-the-opposition", "kgv:invitedBy", "kgr:sant-egidio")],
    ),
    Claim(
        "sant-egidio-close-to-vatican",
        "Sant'Egidio, an organisation closed to the Vatican",
        [("kgr:sant-egidio", "kgv:closeTo", "kgr:vatican")],
    ),
    Claim(  # the prose does not mention the meeting; Middle East Eye's headline does
        "trump-jr-meeting-attendees",
        MEE_TITLE,
        [(MEETING, "schema:attendee", "kgr:donald-trump-jr"), (MEETING, "schema:attendee", K)],
        [
            ("src:mee-2016-11-24-trump-son", MEE_TITLE),
            ("src:wsj-2016-11-23-trump-jr-talks", None),
            (GUARDIAN, None),
        ],
        in_entry=True,
    ),
    Claim(
        "trump-jr-meeting-timing",
        MEE_TITLE,
        [(MEETING, "kgv:timing", lang("before US election"))],
        [("src:mee-2016-11-24-trump-son", MEE_TITLE)],
        in_entry=True,
    ),
    Claim(  # the loader derives the inverse, Baussart's spouse Kassis
        "kassis-spouse",
        "Kassis is married to Fabien Baussart",
        [(K, "schema:spouse", "kgr:fabien-baussart")],
    ),
    # Her four books: the works list (the article's prose) and the book citations of the
    # reference list (records about the one kgr: book node).
    Claim(
        "crypts-of-the-gods-works-entry",
        WORKS[0],
        [
            (CRYPTS, "schema:author", K),
            (CRYPTS, "schema:publisher", "kgr:e-kutub"),
            (CRYPTS, "schema:datePublished", typed("2013", "gYear")),
        ],
        [
            (
                "src:book-2013-crypts-of-the-gods",
                "Kassis, Randa (2013). Crypts of the gods. London: E-Kutub",
            )
        ],
        reviewed='"Editions E- Kutub" is the works list\'s spelling of E-Kutub',
    ),
    Claim(
        "crypts-of-the-gods-language",
        WORKS[0],
        [(CRYPTS, "schema:inLanguage", plain("en"))],
    ),
    Claim(
        "le-chaos-syrien-works-entry",
        WORKS[1],
        [
            (CHAOS, "schema:author", K),
            (CHAOS, "schema:publisher", "kgr:editions-dhow"),
            (CHAOS, "schema:datePublished", typed("2014", "gYear")),
        ],
        [
            (
                "src:book-2014-le-chaos-syrien",
                "Kassis, Randa (2014). Le chaos Syrien. Paris: Editions Dhow",
            )
        ],
    ),
    Claim(  # the works list names a co-author the citation does not
        "le-chaos-syrien-co-author",
        WORKS[1],
        [
            (CHAOS, "schema:author", "kgr:alexandre-del-valle"),
            (CHAOS, "schema:inLanguage", plain("fr")),
        ],
    ),
    Claim(
        "comprendre-le-chaos-syrien-works-entry",
        WORKS[2],
        [(COMPRENDRE, "schema:publisher", "kgr:l-artilleur")],
        [("src:book-2016-comprendre-le-chaos-syrien", "France: L'artilleur")],
    ),
    Claim(
        "comprendre-le-chaos-syrien-series-language",
        WORKS[2],
        [
            (COMPRENDRE, "schema:isPartOf", "kgr:toucan-essais"),
            (COMPRENDRE, "schema:inLanguage", plain("fr")),
        ],
    ),
    Claim(
        "la-syrie-et-le-retour-de-la-russie-works-entry",
        WORKS[3],
        [
            (SYRIE, "schema:publisher", "kgr:editions-des-syrtes"),
            (SYRIE, "schema:inLanguage", plain("fr")),
        ],
    ),
    Claim(
        "la-syrie-et-le-retour-de-la-russie-date",
        WORKS[3],
        [(SYRIE, "schema:datePublished", typed("2018", "gYear"))],
        [
            (
                "src:book-2018-la-syrie-et-le-retour-de-la-russie",
                "Randa., Kassis (2018). La Syrie et le retour de la Russie",
            )
        ],
    ),
    Claim(
        "crypts-of-the-gods-imprint",
        IMPRINTS["crypts"],
        [
            (CRYPTS, "kgv:placeOfPublication", "kgr:london"),
            (CRYPTS, "schema:numberOfPages", "224"),
            (CRYPTS, "schema:isbn", plain("9781492880608")),
        ],
        [("src:book-2013-crypts-of-the-gods", IMPRINTS["crypts"])],
        in_entry=True,
    ),
    Claim(
        "le-chaos-syrien-imprint",
        IMPRINTS["chaos"],
        [
            (CHAOS, "kgv:placeOfPublication", "kgr:paris"),
            (CHAOS, "schema:numberOfPages", "320"),
            (CHAOS, "schema:isbn", plain("9791093501031")),
        ],
        [("src:book-2014-le-chaos-syrien", IMPRINTS["chaos"])],
        in_entry=True,
    ),
    Claim(
        "comprendre-le-chaos-syrien-author-date",
        COMPRENDRE_AUTHOR,
        [
            (COMPRENDRE, "schema:author", K),
            (COMPRENDRE, "schema:datePublished", typed("2016-06-08", "date")),
        ],
        [("src:book-2016-comprendre-le-chaos-syrien", COMPRENDRE_AUTHOR)],
        in_entry=True,
    ),
    Claim(
        "comprendre-le-chaos-syrien-imprint",
        IMPRINTS["comprendre"],
        [
            (COMPRENDRE, "kgv:placeOfPublication", "kgr:france"),
            (COMPRENDRE, "schema:numberOfPages", "438"),
            (COMPRENDRE, "schema:isbn", plain("9782810007318")),
        ],
        [("src:book-2016-comprendre-le-chaos-syrien", IMPRINTS["comprendre"])],
        in_entry=True,
    ),
    Claim(
        "la-syrie-et-le-retour-de-la-russie-citation",
        IMPRINTS["syrie"],
        [
            (SYRIE, "schema:author", K),
            (SYRIE, "kgv:placeOfPublication", "kgr:geneva"),
            (SYRIE, "schema:isbn", plain("9782940523634")),
            (SYRIE, "kgv:oclc", plain("1027055736")),
        ],
        [("src:book-2018-la-syrie-et-le-retour-de-la-russie", IMPRINTS["syrie"])],
        in_entry=True,
    ),
]


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


@dataclass(frozen=True)
class Ref:
    """A reference record as the claims of its block credit it."""

    iri: str
    entry: str  # its kgv:citationText, as the reference list holds it
    last: str  # the last day its schema:datePublished covers (UNDATED when it has none)
    words: dict[str, str] = field(default_factory=dict)  # fact -> entry words that state it


Credit = tuple[str, str | None]  # (record, kgv:entryWords), or (record, None): topic only


@dataclass
class Block:
    """What one cell (or the hub) writes: entities, claims, sentences, source records."""

    entities: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    refs: dict[str, Ref] = field(default_factory=dict)  # the records its claims may credit
    data_triples: int = 0  # loaded triples from entities and claims
    source_triples: int = 0  # loaded triples from source records (+ the article's citations)


def describe(subject: str, pairs: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """Turtle for one subject with (predicate, object) pairs, and how many triples it holds."""
    pairs = list(pairs)
    lines = [f"{subject} {pairs[0][0]} {pairs[0][1]}"]
    lines += [f"    {predicate} {obj}" for predicate, obj in pairs[1:]]
    types = sum(obj.count(" , ") for predicate, obj in pairs if predicate == "a")
    return " ;\n".join(lines) + " .\n\n", len(pairs) + types


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
        self.declared: set[str] = set()  # places, topics, groups, outlets, publishers
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

    def entity(
        self,
        block: Block,
        subject: str,
        types: str,
        names: list[str],
        alternates: Sequence[str] = (),
    ) -> None:
        pairs = [("a", types)] + [("schema:name", name) for name in names]
        pairs += [("schema:alternateName", name) for name in alternates]
        text, count = describe(subject, pairs)
        block.entities.append(text)
        block.data_triples += count

    def claim(
        self,
        block: Block,
        name: str,
        quote: str,
        triples: list[tuple[str, str, str]],
        credits: Sequence[Credit] = (),
        *,
        reviewed: str | None = None,
        in_entry: bool = False,
    ) -> None:
        """A claim graph, its quote, the article and each credited reference with its reason."""
        self.check(block, quote, triples, credits, in_entry)
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
        # What the loader copies onto each statement of the claim.
        about = [f"kgv:quote {plain(quote)}"]
        if in_entry:
            about.append("kgv:quoteIn kgv:referenceList")
        if reviewed:
            about.append(f"kgv:mentionReviewed {plain(reviewed)}")
        about.append(f"prov:wasDerivedFrom {ARTICLE}")
        described = list(about)
        if credits:
            reasons = [
                f"[ prov:entity {source} ; "
                + (f"kgv:entryWords {plain(words)}" if words else "kgv:topicOnly true")
                + " ]"
                for source, words in credits
            ]
            described.append("prov:qualifiedDerivation\n        " + " ,\n        ".join(reasons))
        block.claims.append(
            f"claim:{name} {{\n{body}\n}}\nclaim:{name}\n    "
            + " ;\n    ".join(described)
            + " .\n\n"
        )
        per_statement = PER_STATEMENT + len(about) + PER_CREDIT * len(credits)
        for _, predicate, obj in triples:
            block.data_triples += 1 + per_statement + (PER_DATE if day_range(obj) else 0)
            if predicate in SYMMETRIC:  # the inverse fact, its statement, and kgv:inverseOf
                block.data_triples += 1 + per_statement + 1
                self.statements += 1
        self.claims += 1
        self.statements += len(triples)

    @staticmethod
    def check(block: Block, quote: str, triples, credits: Sequence[Credit], in_entry: bool) -> None:
        """What `kg validate` will ask of the claim, asserted as it is written."""
        for source, words in credits:
            assert words is None or normalised(words) in normalised(block.refs[source].entry), (
                source,
                words,
            )
        if in_entry:  # the quote is the words of a reference credited by them
            assert any(
                words and normalised(quote) in normalised(block.refs[source].entry)
                for source, words in credits
            ), quote
        else:
            assert any(quote in s for s in reversed(block.sentences)) or quote in ". ".join(
                block.sentences
            ), quote
        firsts = [days[0] for _, _, obj in triples if (days := day_range(obj))]
        if firsts:  # no reference is credited for a date after it was published
            assert all(block.refs[source].last >= max(firsts) for source, _ in credits), credits

    def say(self, block: Block, sentence: str) -> str:
        block.sentences.append(sentence)
        return sentence

    def cite(self, block: Block, pairs: list[tuple[str, str]], ref: Ref) -> Ref:
        """Write a reference record, list it in the article's reference list and citations."""
        self.references += 1
        text, count = describe(ref.iri, pairs)
        block.records.append(text)
        block.source_triples += count + 1  # + the article's schema:citation
        block.refs[ref.iri] = ref
        self.pending_entries.write(ref.entry + "\n")
        self.pending_citations.write(ref.iri + "\n")
        return ref

    def declare(self, block: Block, iri: str, types: str, names: list[str]) -> str:
        if iri not in self.declared:
            self.declared.add(iri)
            self.entity(block, iri, types, names)
        return iri

    def country(self, block: Block, key: str) -> str:
        return self.declare(block, f"kgr:{key}", "schema:Country", [lang(COUNTRIES[key][0])])

    def city(self, block: Block, key: str) -> str:
        """A city, declared with the sentence and claim that place it the first time it is used
        (the hub's cities, like the real graph's, are not placed)."""
        iri = f"kgr:{key}"
        if iri not in self.declared:
            name, country_key = CITIES[key]
            self.declare(block, iri, "schema:City", [lang(name)])
            country = self.country(block, country_key)
            quote = self.say(block, f"{name} is a city in {the(COUNTRIES[country_key][0])}")
            self.claim(
                block, f"{key}-contained-in", quote, [(iri, "schema:containedInPlace", country)]
            )
        return iri

    def topic(self, block: Block, name: str) -> str:
        return self.declare(block, f"kgr:{slug(name)}", "schema:Thing", [lang(name)])

    def group(self, block: Block, key: str) -> str:
        return self.declare(block, f"kgr:{key}", "schema:Thing", [lang(GROUPS[key])])

    def publisher(self, block: Block, key: str) -> str:
        name, tag = PUBLISHERS[key]
        return self.declare(block, f"kgr:{key}", "schema:Organization", [lang(name, tag)])

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

    def reference(self, block: Block, rng: random.Random, template, fill, year: int) -> Ref:
        """A news reference of the cell: its record, its entry, and the fact its title states."""
        english, french = template[0].format(**fill), template[1].format(**fill)
        fact = template[2]
        kind = rng.choice(REF_KINDS)
        outlets = [k for k, v in OUTLETS.items() if (v[2] == "WebSite") == (kind == "WebPage")]
        outlet_key = rng.choice(outlets)
        outlet_name, tag, _ = OUTLETS[outlet_key]
        published = when(rng, year, min(year + 2, 2024), "date")
        retrieved = when(rng, 2019, 2024, "date")
        iri = f"src:ref-{self.references + 1:06d}-{slug(english)[:40].strip('-')}"
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
        words = {fact: english} if fact else {}
        return self.cite(block, pairs, Ref(iri, entry, published.first, words))

    # -- the hub -----------------------------------------------------------------------------

    def hub(self) -> Block:
        """Randa Kassis and what saved queries ask about by IRI: the tables above, written."""
        b = Block()
        for entity in HUB_ENTITIES:
            iri = f"kgr:{entity.local}"
            self.declared.add(iri)  # cells reuse the hub's places and topics as they are
            names = [lang(text, tag) for text, tag in entity.names]
            self.entity(b, iri, entity.types, names, [lang(*n) for n in entity.alternates])
        for sentence in HUB_PROSE:
            self.say(b, sentence)
        for iri, kind, name, tag, issn_number in HUB_AGENTS:
            pairs = [("a", kind), ("schema:name", lang(name, tag))]
            if issn_number:
                pairs.append(("schema:issn", plain(issn_number)))
            text, count = describe(iri, pairs)
            b.records.append(text)
            b.source_triples += count
        for record in HUB_RECORDS:  # the hub's claims give their entry words themselves
            days = day_range(record.date) if record.date else None
            self.cite(
                b, record.pairs(), Ref(record.iri, record.entry, days[1] if days else UNDATED)
            )
        for c in HUB_CLAIMS:
            self.claim(
                b,
                c.name,
                c.quote,
                list(c.triples),
                c.credits,
                reviewed=c.reviewed,
                in_entry=c.in_entry,
            )
        return b

    # -- a cell ------------------------------------------------------------------------------

    def cell(self, number: int) -> Block:
        rng = random.Random(f"{self.seed}:cell:{number}")
        b = Block()
        p, p_name, p_given, p_family = self.new_person()
        q, q_name, _, _ = self.new_person()
        o_key, o_name = self.names.organisation(self.organisations)
        self.organisations += 1
        o = f"kgr:{o_key}"
        p_key, q_key = p.removeprefix("kgr:"), q.removeprefix("kgr:")
        year = rng.randint(1995, 2020)
        event_kind = rng.choice(EVENT_KINDS)
        e_year = year + rng.randint(1, 3)
        e_name = f"{o_name} {event_kind} {e_year}"
        e_key = slug(e_name)
        e = f"kgr:{e_key}"
        topic_name = rng.choice(TOPICS)
        view = rng.choice(POSITIONS).format(topic=topic_name)
        city_keys = list(CITIES)
        home, venue = rng.choice(city_keys), rng.choice(city_keys)
        venue_name = CITIES[venue][0]

        # References of this cell (2 or 3), with distinct title templates.
        templates = rng.sample(REF_TITLES, rng.choice([2, 2, 3]))
        fill = {"P": p_name, "Q": q_name, "O": o_name, "E": e_name, "city": venue_name}
        fill["topic"] = topic_name
        # A headline that places the event appears in the event's year, the others from `year`.
        refs = [
            self.reference(b, rng, template, fill, e_year if template[2] == "venue" else year)
            for template in templates
        ]
        if rng.random() < 0.05:  # a reference no claim cites (unsourced-by-reference's rows)
            spare = next(t for t in REF_TITLES if t not in templates)
            self.reference(b, rng, spare, fill, year)

        def credits(fact: str | None = None, since: str | None = None) -> list[Credit]:
            """Zero to two of the cell's references, none published before `since` (the first
            day of a date the claim asserts); a reference whose title states `fact` is credited
            by those words, any other for its topic only."""
            pool = [ref for ref in refs if since is None or ref.last >= since]
            r = rng.random()
            picked = rng.sample(pool, min(0 if r < 0.45 else 1 if r < 0.85 else 2, len(pool)))
            stating = [ref for ref in pool if fact in ref.words and ref not in picked]
            if stating and rng.random() < 0.9:
                picked.append(stating[0])
            picked.sort(key=lambda ref: ref.iri)
            return [(ref.iri, ref.words.get(fact)) for ref in picked]

        # Entities: types and names.
        self.entity(b, p, "schema:Person", [lang(p_name)])
        self.entity(b, q, "schema:Person", [lang(q_name)])
        self.entity(b, o, "schema:Organization", [lang(o_name)])
        role = f"kgr:{p_key}-{o_key}-role"
        role_name = rng.choice(ROLE_NAMES)
        self.entity(
            b, role, "schema:OrganizationRole", [lang(f"{p_name}, {role_name} of the {o_name}")]
        )
        membership = f"kgr:{q_key}-{o_key}-member"
        self.entity(
            b, membership, "schema:OrganizationRole", [lang(f"{q_name}, member of the {o_name}")]
        )
        self.entity(b, e, "schema:Event", [lang(e_name)])
        topic = self.topic(b, topic_name)
        position = f"kgr:position-{p_key}-{slug(topic_name)}"
        self.entity(b, position, "kgv:Position", [lang(view)])

        # 1. nationality and occupation
        country_key = rng.choice(list(COUNTRIES))
        country = self.country(b, country_key)
        country_name, adjective = COUNTRIES[country_key]
        job = rng.choice(JOBS)
        if rng.random() < 0.8:
            quote = self.say(b, f"{p_name} is {a(job)} and a citizen of {the(country_name)}")
            triples = [(p, "schema:nationality", country), (p, "schema:jobTitle", lang(job))]
            self.claim(b, f"{p_key}-nationality-job", quote, triples, credits())
        else:  # "a Syrian lawyer": the adjective states the country without naming it
            quote = self.say(b, f"{p_name} is {a(adjective)} {job}")
            self.claim(
                b,
                f"{p_key}-nationality",
                quote,
                [(p, "schema:nationality", country)],
                credits(),
                reviewed=f'"{adjective}" names {country_name} as an adjective',
            )
            self.claim(b, f"{p_key}-job", quote, [(p, "schema:jobTitle", lang(job))], credits())
        # 2. founding of the organisation, and its date (credited only to later references)
        home_iri = self.city(b, home)
        founded = when(rng, year - 3, year)
        founding = f"{p_name} founded the {o_name} in {CITIES[home][0]}"
        sentence = self.say(b, f"{founding} {founded.phrase}")
        self.claim(
            b,
            f"{o_key}-founding",
            founding,
            [(o, "schema:founder", p), (o, "schema:foundingLocation", home_iri)],
            credits("founding"),
        )
        self.claim(
            b,
            f"{o_key}-founding-date",
            sentence,
            [(o, "schema:foundingDate", founded.literal)],
            credits(since=founded.first),
        )
        # 3. what it is, what it is made of, and what it is for
        kind = rng.choice(["secular", "civic", "liberal", "grassroots"])
        members = rng.choice(MEMBERS)
        purpose = f"{rng.choice(PURPOSE_VERBS)} {topic_name}"
        if rng.random() < 0.3:
            description = f"a {kind} movement"
            made_of = f"{description} made up of {members}"
            sentence = self.say(b, f"The {o_name}, {made_of}, was formed {purpose}")
            self.claim(
                b,
                f"{o_key}-composition",
                made_of,
                [(o, "kgv:composition", lang(members))],
                credits(),
            )
        else:
            description = f"a {kind} movement of {members}"
            sentence = self.say(b, f"The {o_name}, {description}, was formed {purpose}")
        self.claim(
            b,
            f"{o_key}-description",
            f"The {o_name}, {description}",
            [(o, "schema:description", lang(description))],
            credits(),
        )
        self.claim(b, f"{o_key}-purpose", sentence, [(o, "kgv:purpose", lang(purpose))], credits())
        # 4. the founder's office, through an OrganizationRole; each date a claim of its own
        start = when(rng, founded.year, founded.year + 2)
        held = [
            (p, "schema:memberOf", role),
            (role, "schema:memberOf", o),
            (role, "schema:roleName", lang(role_name)),
        ]
        if rng.random() < 0.35:
            end = when(rng, start.year + 1, max(start.year + 1, min(start.year + 8, 2025)))
            office = f"{p_name} served as {role_name} of the {o_name}"
            sentence = self.say(b, f"{office} from {start.bare} until {end.bare}")
            self.claim(b, f"{p_key}-{o_key}-role", office, held, credits())
            self.claim(
                b,
                f"{p_key}-{o_key}-role-start-date",
                f"{office} from {start.bare}",
                [(role, "schema:startDate", start.literal)],
                credits(since=start.first),
            )
            self.claim(
                b,
                f"{p_key}-{o_key}-role-end-date",
                sentence,
                [(role, "schema:endDate", end.literal)],
                credits(since=end.first),
            )
            self.claim(
                b,
                f"{p_key}-{o_key}-role-former",
                sentence,
                [(role, "kgv:isFormer", "true")],
                reviewed='"until" says the role has ended',
            )
            if rng.random() < 0.4:
                reason = rng.choice(END_REASONS)
                quote = self.say(b, f"{p_name} left the post {reason}")
                self.claim(
                    b,
                    f"{p_key}-{o_key}-role-end-reason",
                    quote,
                    [(role, "kgv:endReason", lang(reason))],
                    credits(),
                )
        else:
            office = f"{p_name} has been {role_name} of the {o_name}"
            sentence = self.say(b, f"{office} since {start.bare}")
            self.claim(b, f"{p_key}-{o_key}-role", office, held, credits())
            self.claim(
                b,
                f"{p_key}-{o_key}-role-start-date",
                sentence,
                [(role, "schema:startDate", start.literal)],
                credits(since=start.first),
            )
        # 5. a colleague and her membership
        q_job = rng.choice(JOBS)
        quote = self.say(b, f"{q_name} is {a(q_job)} and a member of the {o_name}")
        self.claim(
            b,
            f"{q_key}-job",
            f"{q_name} is {a(q_job)}",
            [(q, "schema:jobTitle", lang(q_job))],
            credits(),
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
            credits("membership"),
        )
        # 6. close friends and spouse
        friend, friend_name = (
            (HUB, HUB_NAME) if not self.people or rng.random() < 0.05 else rng.choice(self.people)
        )
        quote = self.say(b, f"{p_name} is a close friend of {friend_name}")
        self.claim(b, f"{p_key}-close-friend", quote, [(p, "kgv:closeFriendOf", friend)], credits())
        if rng.random() < 0.15:  # the loader derives the inverse
            quote = self.say(b, f"{p_name} is married to {q_name}")
            self.claim(b, f"{p_key}-spouse", quote, [(p, "schema:spouse", q)], credits())
        if rng.random() < 0.03:
            quote = self.say(b, f"{HUB_NAME} is a close friend of {p_name}")
            self.claim(
                b,
                f"kassis-close-friend-of-{p_key}",
                quote,
                [(HUB, "kgv:closeFriendOf", p)],
                credits(),
            )
        # 7. the event: organised by the organisation, held as a round of it, or the founder
        # invited its participants ("organiser" only where the text says so); its place in the
        # prose, or only in a reference's headline
        venue_iri = self.city(b, venue)
        date = when(rng, e_year, e_year)
        when_ = date.phrase[0].upper() + date.phrase[1:]
        headline = next((ref for ref in refs if "venue" in ref.words), None)
        place = "" if headline else f" in {venue_name}"
        mode = rng.random()
        if mode < 0.6:
            link = (e, "schema:organizer", o)
            stated = f"the {o_name} organised the {e_name}"
            dated = f"{when_}, {stated}"
        elif mode < 0.8:
            link = (e, "kgv:roundOf", o)
            stated = f"the {e_name} was held as a round of the {o_name}"
            dated = f"{when_}, the {e_name} was held"
        else:
            link = (e, "kgv:invitedBy", p)
            stated = f"{p_name} invited members of the {o_name} to the {e_name}"
            dated = f"{when_}, {stated}"
        sentence = self.say(b, f"{when_}, {stated}{place}")
        self.claim(b, f"{e_key}-{link[1].split(':')[1].lower()}", stated, [link], credits("event"))
        self.claim(
            b,
            f"{e_key}-start-date",
            dated,
            [(e, "schema:startDate", date.literal)],
            credits(since=date.first),
        )
        if headline:  # read from the reference list: the headline's words, crediting it
            words = headline.words["venue"]
            self.claim(
                b,
                f"{e_key}-location",
                words,
                [(e, "schema:location", venue_iri)],
                [(headline.iri, words)],
                in_entry=True,
            )
        else:
            self.claim(
                b, f"{e_key}-location", sentence, [(e, "schema:location", venue_iri)], credits()
            )
        if rng.random() < 0.6:
            quote = self.say(b, f"The {e_name} was moderated by {q_name}")
            self.claim(b, f"{e_key}-moderator", quote, [(e, "kgv:moderator", q)], credits())
        guest, guest_name = rng.choice(self.people) if self.people else (q, q_name)
        if rng.random() < 0.25:
            quote = self.say(b, f"The opening session of the {e_name} was chaired by {guest_name}")
            self.claim(
                b,
                f"{e_key}-opening-session-chair",
                quote,
                [(e, "kgv:openingSessionChair", guest)],
                credits(),
            )
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
            credits("event"),
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
                credits(),
            )
        if rng.random() < 0.03:
            quote = self.say(b, f"{HUB_NAME} helped to prepare the {e_name}")
            self.claim(
                b, f"{e_key}-kassis-contributor", quote, [(e, "schema:contributor", HUB)], credits()
            )
        # 8. a stated position, its date and its critics
        stated_in = when(rng, year, year + 4, "gYear")
        argued = f"{p_name} argued that {view}"
        sentence = self.say(b, f"In {stated_in.bare}, {argued}")
        self.claim(
            b,
            f"{p_key}-position",
            argued,
            [
                (p, "kgv:holdsPosition", position),
                (position, "schema:description", lang(view)),
                (position, "schema:about", topic),
            ],
            credits("position"),
        )
        self.claim(
            b,
            f"{p_key}-position-date",
            sentence,
            [(position, "schema:dateCreated", stated_in.literal)],
            credits(since=stated_in.first),
        )
        if rng.random() < 0.5:
            if self.orgs and rng.random() < 0.6:
                critic, critic_name = rng.choice(self.orgs)
                critic_name = f"the {critic_name}"
            else:  # a group of people, as the real article's "other opposition members"
                key = rng.choice(list(GROUPS))
                critic, critic_name = self.group(b, key), GROUPS[key]
            quote = self.say(
                b, f"{p_name}'s position on {topic_name} was criticised by {critic_name}"
            )
            self.claim(
                b,
                f"{p_key}-position-criticized",
                quote,
                [(position, "kgv:criticizedBy", critic)],
                credits(),
            )
        # 9. what they comment on, since when, and affiliation
        subject_name = rng.choice(TOPICS)
        subject = self.topic(b, subject_name)
        commentator = f"a leading commentator on {subject_name}"
        if rng.random() < 0.25:
            since = when(rng, year - 5, year)
            active = f"{p_name} has been {commentator}"
            sentence = self.say(b, f"{active} since {since.bare}")
            self.claim(
                b,
                f"{p_key}-leading-commentator",
                active,
                [(p, "kgv:leadingCommentatorOn", subject)],
                credits(),
            )
            self.claim(
                b,
                f"{p_key}-leading-commentator-since",
                sentence,
                [(p, "kgv:leadingCommentatorSince", since.literal)],
                credits(since=since.first),
            )
        else:
            quote = self.say(b, f"{p_name} is {commentator}")
            self.claim(
                b,
                f"{p_key}-leading-commentator",
                quote,
                [(p, "kgv:leadingCommentatorOn", subject)],
                credits(),
            )
        if self.orgs and rng.random() < 0.3:
            other, other_name = rng.choice(self.orgs)
            quote = self.say(b, f"{p_name} is affiliated with the {other_name}")
            self.claim(
                b, f"{p_key}-affiliation", quote, [(p, "schema:affiliation", other)], credits()
            )
        # 10. sometimes a book, with a valid ISBN-13, and sometimes its book citation
        if rng.random() < 0.35:
            self.book(b, rng, p, p_name, p_given, p_family, (q, q_name), year, credits)
        self.people += [(p, p_name), (q, q_name)]
        self.orgs.append((o, o_name))
        return b

    def book(self, b: Block, rng: random.Random, p, p_name, given, family, co, year, credits):
        """A book of the cell's person: the works list (prose) and, half the time, a book
        citation in the reference list (a CreativeWork record about the book) whose entry
        states its place, pages and ISBN; otherwise the prose does."""
        tag = rng.choice(["en", "en", "fr"])
        place_key = rng.choice(list(CITIES))
        place_name = CITIES[place_key][0]
        title = rng.choice(BOOK_TITLES[tag]).format(city=place_name)
        p_key = p.removeprefix("kgr:")
        book = f"kgr:book-{p_key}"
        self.entity(b, book, "schema:Book", [lang(title, tag)])
        pub_key = rng.choice([k for k, v in PUBLISHERS.items() if v[1] == tag])
        publisher = self.publisher(b, pub_key)
        pub_name = PUBLISHERS[pub_key][0]
        published = rng.randint(year, 2023)
        authors = [(p, p_name)] + ([co] if rng.random() < 0.2 else [])
        works = self.say(
            b,
            f"{title}, {' and '.join(n for _, n in authors)}, {pub_name}, {published} "
            f"({tag.upper()})",
        )
        place = self.city(b, place_key)
        isbn = isbn13(rng.choice(["978", "979"]) + f"{rng.randrange(10**9):09d}")
        pages = rng.randint(80, 640)
        first = f"{published}-01-01"
        imprint = [
            (book, "kgv:placeOfPublication", place),
            (book, "schema:numberOfPages", str(pages)),
            (book, "schema:isbn", plain(isbn)),
        ]
        cited: list[Credit] = []
        if rng.random() < 0.5:  # a book citation: one record about the one book node
            isbn_shown = f"ISBN{NBSP}{isbn[:3]}-{isbn[3:]}"
            stated = f"{title}. {place_name}: {pub_name}. p.{NBSP}{pages}. {isbn_shown}"
            byline = f"{family}, {given} ({published}). {title}"
            record = self.cite(
                b,
                [
                    ("a", "kgv:SourceRecord , schema:CreativeWork"),
                    ("schema:name", lang(title, tag)),
                    ("schema:datePublished", typed(str(published), "gYear")),
                    ("schema:about", book),
                    ("schema:inLanguage", plain(tag)),
                    ("kgv:citationText", plain(f"{family}, {given} ({published}). {stated}.")),
                ],
                Ref(
                    f"src:book-{published}-{p_key}",
                    f"{family}, {given} ({published}). {stated}.",
                    f"{published}-12-31",
                ),
            )
            cited = [(record.iri, byline)]
            self.claim(
                b, f"book-{p_key}-imprint", stated, imprint, [(record.iri, stated)], in_entry=True
            )
        else:
            quote = self.say(
                b,
                f"{title} was printed in {place_name}, runs to {pages} pages and carries ISBN "
                f"{isbn}",
            )
            self.claim(b, f"book-{p_key}-imprint", quote, imprint, credits())
        self.claim(
            b,
            f"book-{p_key}-works-entry",
            works,
            [
                *[(book, "schema:author", author) for author, _ in authors],
                (book, "schema:publisher", publisher),
                (book, "schema:datePublished", typed(str(published), "gYear")),
                (book, "schema:inLanguage", plain(tag)),
            ],
            sorted(cited + credits(since=first)),
        )

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
            "references": self.references,
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
