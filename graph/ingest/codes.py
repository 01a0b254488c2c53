"""Codes of outside formats -> concepts of the vocabularies shipped in ontology/vocab/.

Every lookup is offline: a code maps to a concept IRI only when that concept is in the
shipped vocabularies (in its scheme), else the lookup answers None and the importer refuses
the record with "unknown code". To accept a new code, add its concept to
ontology/vocab/import-codes.ttl.

The tables below only translate notations (ISO 639-1 and ISO 639-2/B language codes to the
ISO 639-2/T codes the EU language table uses, ISO 3166-1 alpha-2 to alpha-3); they name no
concept the vocabularies lack. One table per direction would serve the OOAPI read API of
issue 15 too: `LANGUAGE_BY_EU` and `ALPHA2_BY_ALPHA3` are the inverses.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from ..iris import EQF, EU_COUNTRY, EU_CURRENCY, EU_LANGUAGE, ISCED_F

LANGUAGE_SCHEME = URIRef("http://publications.europa.eu/resource/authority/language")
COUNTRY_SCHEME = URIRef("http://publications.europa.eu/resource/authority/country")
CURRENCY_SCHEME = URIRef("http://publications.europa.eu/resource/authority/currency")
EQF_SCHEME = URIRef("http://data.europa.eu/snb/eqf/25831c2")
ISCED_SCHEME = URIRef("http://data.europa.eu/snb/isced-f/25831c2")

# ISO 639-1 -> ISO 639-2/T (the EU language table's codes, upper-cased).
ISO639_1 = {
    "bg": "bul", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell", "en": "eng",
    "es": "spa", "et": "est", "eu": "eus", "fi": "fin", "fr": "fra", "fy": "fry", "ga": "gle",
    "gl": "glg", "hr": "hrv", "hu": "hun", "is": "isl", "it": "ita", "ja": "jpn", "lb": "ltz",
    "lt": "lit", "lv": "lav", "mt": "mlt", "nl": "nld", "no": "nor", "pl": "pol", "pt": "por",
    "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv", "sv": "swe", "tr": "tur", "uk": "ukr",
    "ar": "ara", "zh": "zho",
}  # fmt: skip
# ISO 639-2/B (bibliographic) codes that differ from the /T (terminology) ones.
ISO639_2_B = {
    "dut": "nld", "ger": "deu", "fre": "fra", "gre": "ell", "cze": "ces", "slo": "slk",
    "rum": "ron", "chi": "zho", "ice": "isl", "baq": "eus",
}  # fmt: skip
LANGUAGE_BY_EU = {t.upper(): one for one, t in ISO639_1.items()}

# ISO 3166-1 alpha-2 -> alpha-3 (the EU country table's codes).
ALPHA3 = {
    "AT": "AUT", "AU": "AUS", "BE": "BEL", "BG": "BGR", "BR": "BRA", "CA": "CAN", "CH": "CHE",
    "CN": "CHN", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST", "ES": "ESP",
    "FI": "FIN", "FR": "FRA", "GB": "GBR", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL",
    "IN": "IND", "IS": "ISL", "IT": "ITA", "JP": "JPN", "LI": "LIE", "LT": "LTU", "LU": "LUX",
    "LV": "LVA", "MT": "MLT", "NL": "NLD", "NO": "NOR", "NZ": "NZL", "PL": "POL", "PT": "PRT",
    "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK", "TR": "TUR", "UA": "UKR", "US": "USA",
    "ZA": "ZAF",
}  # fmt: skip
ALPHA2_BY_ALPHA3 = {three: two for two, three in ALPHA3.items()}


@lru_cache(maxsize=1)
def _schemes() -> dict[URIRef, frozenset[URIRef]]:
    from ..build.load import read_vocabularies

    graph = read_vocabularies()
    found: dict[URIRef, set[URIRef]] = {}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        for scheme in graph.objects(concept, SKOS.inScheme):
            if isinstance(concept, URIRef) and isinstance(scheme, URIRef):
                found.setdefault(scheme, set()).add(concept)
    return {scheme: frozenset(concepts) for scheme, concepts in found.items()}


def known(concept: URIRef, scheme: URIRef) -> bool:
    """Is `concept` a concept of `scheme` in the shipped vocabularies?"""
    return concept in _schemes().get(scheme, frozenset())


def _checked(concept: URIRef, scheme: URIRef) -> URIRef | None:
    return concept if known(concept, scheme) else None


def language(code: str) -> URIRef | None:
    """ISO 639-2 (T or B), ISO 639-1 or a BCP 47 tag ('en-GB') -> EU language concept."""
    primary = code.strip().split("-", 1)[0].split("_", 1)[0].lower()
    if len(primary) == 2:
        primary = ISO639_1.get(primary, "")
    primary = ISO639_2_B.get(primary, primary)
    if not re.fullmatch(r"[a-z]{3}", primary):
        return None
    return _checked(EU_LANGUAGE[primary.upper()], LANGUAGE_SCHEME)


def country(code: str) -> URIRef | None:
    """ISO 3166-1 alpha-2 or alpha-3 -> EU country concept."""
    text = code.strip().upper()
    text = ALPHA3.get(text, text)
    if not re.fullmatch(r"[A-Z]{3}", text):
        return None
    return _checked(EU_COUNTRY[text], COUNTRY_SCHEME)


def currency(code: str) -> URIRef | None:
    """ISO 4217 -> EU currency concept."""
    text = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        return None
    return _checked(EU_CURRENCY[text], CURRENCY_SCHEME)


def eqf(level: str) -> URIRef | None:
    """'1'..'8' -> EQF level concept."""
    text = level.strip()
    if not re.fullmatch(r"[1-8]", text):
        return None
    return _checked(EQF[text], EQF_SCHEME)


def isced(code: str) -> URIRef | None:
    """A four-digit ISCED-F 2013 detailed field -> its concept."""
    text = code.strip()
    if not re.fullmatch(r"[0-9]{4}", text):
        return None
    return _checked(ISCED_F[text], ISCED_SCHEME)


def is_concept_of(iri: str, scheme: URIRef) -> URIRef | None:
    """An IRI found in a file (ELM, schema.org) that should be a concept of `scheme`."""
    return _checked(URIRef(iri), scheme)
