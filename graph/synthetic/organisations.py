"""The universities of a synthetic graph: drawn once per seed, written in its curation graph."""

from __future__ import annotations

import random
from dataclasses import dataclass

from rdflib import URIRef

from .. import iris
from ..iris import EU_COUNTRY
from .tables import COUNTRIES, PATRONS, STREETS, UNIVERSITY_PATTERNS
from .terms import T, Triple, nt_iri, nt_plain, nt_text


@dataclass(frozen=True)
class Organisation:
    slug: str
    name: str
    city: str
    country: str
    street: str
    postcode: str

    @property
    def iri(self) -> URIRef:
        return iris.organisation(self.slug)


def draw_organisations(programmes: int, seed: int) -> list[Organisation]:
    """The universities of a synthetic graph: one per 25 programmes (at least 6), in EU
    countries by weight, named from the city or a patron."""
    rng = random.Random(f"organisations:{seed}")
    count = max(6, round(programmes / 25))
    weights = [c[3] for c in COUNTRIES]
    seen: set[str] = set()
    result: list[Organisation] = []
    for _ in range(count):
        for _attempt in range(50):
            code, _name, _lang, _w, cities = rng.choices(COUNTRIES, weights)[0]
            city = rng.choice(cities)
            name = rng.choice(UNIVERSITY_PATTERNS).format(city=city, patron=rng.choice(PATRONS))
            if iris.slugify(name) not in seen:
                break
        else:  # every name drawn is taken: number the campus
            name = f"{name} Campus {len(result)}"
        slug = iris.slugify(name)
        seen.add(slug)
        result.append(
            Organisation(
                slug,
                name,
                city,
                code,
                f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                str(rng.randint(1000, 99999)).zfill(5),
            )
        )
    return result


def university(org: Organisation) -> list[Triple]:
    """Canonical name and seat of a university: curation decisions, as in the bundle."""
    iri = org.iri.n3()
    address = nt_iri(iris.organisation(org.slug, "address"))
    t = [
        (iri, T.type, T.formal_org),
        (iri, T.type, T.university),
        (iri, T.pref, nt_text(org.name)),
        (iri, T.address, address),
        (address, T.type, T.postal),
        (address, T.street, nt_plain(org.street)),
        (address, T.postcode, nt_plain(org.postcode)),
        (address, T.locality, nt_plain(org.city)),
        (address, T.country, nt_iri(EU_COUNTRY[org.country])),
    ]
    initials = "".join(w[0] for w in org.name.split() if w[0].isupper())
    if len(initials) > 1:
        t.append((iri, T.alt, nt_text(initials)))
    return t
