"""The synthetic graph of N programmes for one seed, block by block (one named graph each)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from rdflib import Graph

from .. import iris
from ..build import order
from ..errors import ProspectusError
from ..iris import EU_COUNTRY, EU_LANGUAGE, ISCED_F, ORDER_GRAPH
from .organisations import Organisation, draw_organisations, university
from .tables import (
    CAREERS,
    COUNTRIES,
    DEGREES,
    FIELDS,
    GENERATED_AT,
    HIGHLIGHTS,
    INTERNSHIP,
    LANGUAGES,
    MODES,
    MODIFIERS,
    MODULE,
    SPECIAL_DEGREES,
    THESIS,
)
from .terms import Block, T, Triple, nt_iri, nt_plain, nt_text, nt_typed
from .vocab import Vocab

# The classes of fact-bearing nodes a programme's page describes (shp:FactSaysWhere's targets).
FACT_CLASSES = frozenset(
    {
        T.offering_class, T.deadline_class, T.fee_class, T.component, T.track, T.degree_req,
        T.language_req, T.test_req, T.exemption_class, T.career_class, T.credit_class,
        T.learning_outcome_class,
    }
)  # fmt: skip


class GeneratorError(ProspectusError):
    """Bad generator arguments (exit 2)."""


class Generator:
    """The synthetic graph of `programmes` programmes for one seed, as blocks of triples."""

    def __init__(self, programmes: int, seed: int = 1, vocab: Graph | None = None):
        if programmes < 1:
            raise GeneratorError(f"--programmes must be at least 1, got {programmes}")
        self.programmes = programmes
        self.seed = seed
        self.vocab = Vocab.read(vocab if vocab is not None else Graph())
        self.organisations = draw_organisations(programmes, seed)
        self.activity_base = f"synthetic-generation-{seed}"
        self.agent = nt_iri(iris.agent("prospectus-generator"))
        self.curation_graph = nt_iri(iris.source(f"synthetic-curation-{seed}"))
        self.portals = [
            (nt_iri(iris.organisation(iris.slugify(name))), name)
            for name in (
                "Study Atlas (synthetic)",
                "Masters Compass (synthetic)",
                "Programme Finder (synthetic)",
            )
        ]
        self.curation: list[Triple] = []
        self.sample: list[str] = []
        self._used: set[tuple[str, str]] = set()
        self._titles: list[tuple[str, order.SortKey]] = []  # for the catalogue order

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self) -> Iterator[Block]:
        """One segment graph per programme, then the curation graph, then the order graph."""
        for index in range(self.programmes):
            yield self._programme(index)
        yield self.curation_graph, self._curation_record()
        yield self._order()

    def _order(self) -> Block:
        """The catalogue order (graph/build/order.py), as the build would compute it."""
        graph = nt_iri(ORDER_GRAPH)
        triples = [(s.n3(), p.n3(), o.n3()) for s, p, o in order.describe_graph()]
        triples += [
            (nt_iri(programme), T.list_position, nt_typed(n, "integer"))
            for programme, n in order.positions(self._titles)
        ]
        return graph, triples

    def _segment(
        self, slug: str, number: int, label: str, page_title: str, lines: int, rng: random.Random
    ) -> tuple[str, list[Triple]]:
        """A source segment with its capture, page and PROV: (graph IRI, triples)."""
        seg = nt_iri(iris.source(slug))
        capture = nt_iri(iris.capture(slug))
        page = nt_iri(iris.page(slug))
        activity = nt_iri(iris.activity(self.activity_base, slug))
        portal, portal_name = rng.choice(self.portals)
        digest = hashlib.sha256(f"{self.seed}:{slug}".encode()).hexdigest()
        modified = f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}"
        return seg, [
            (seg, T.type, T.segment),
            (seg, T.label, nt_text(label)),
            (seg, T.derived, capture),
            (seg, T.segment_of, page),
            (seg, T.line_start, nt_typed(1, "integer")),
            (seg, T.line_end, nt_typed(lines, "integer")),
            (seg, T.modified, nt_typed(modified, "gYearMonth")),
            (seg, T.generated_by, activity),
            (seg, T.publisher, portal),
            (capture, T.type, T.capture_class),
            (capture, T.seed_file, nt_plain(f"{number % 1000:03d}_{digest[:16]}.txt")),
            (capture, T.sha256, nt_plain(digest)),
            (capture, T.format, nt_plain("text/plain")),
            (capture, T.quoted, page),
            (page, T.type, T.document),
            (page, T.type, T.webpage),
            (page, T.title, nt_text(page_title)),
            (page, T.publisher, portal),
            (portal, T.type, T.portal),
            (portal, T.type, T.formal_org),
            (portal, T.pref, nt_text(portal_name)),
            (activity, T.type, T.activity),
            (activity, T.used, capture),
            (activity, T.associated, self.agent),
            (activity, T.ended, nt_typed(GENERATED_AT, "dateTime")),
        ]

    def _programme(self, index: int) -> Block:
        rng = random.Random(self.seed * 1_000_003 + index)
        code, field_label, subjects, faculty = rng.choice(FIELDS)
        subject = rng.choice(subjects)
        roll = rng.random()
        kind = (
            "joint-master" if roll < 0.08 else "master-specialisation" if roll < 0.23 else "master"
        )
        degree, abbr = (
            SPECIAL_DEGREES[code]
            if code in SPECIAL_DEGREES and rng.random() < 0.5
            else DEGREES[code[:2]]
        )
        coordinator = rng.choice(self.organisations)
        providers = [coordinator]
        if kind == "joint-master":
            for org in rng.sample(self.organisations, min(len(self.organisations), 8)):
                if len(providers) < 3 and org.country not in {p.country for p in providers}:
                    providers.append(org)
        # Title as a portal writes it.
        second = rng.choice(rng.choice(FIELDS)[2]) if rng.random() < 0.15 else None
        topic = f"{subject} and {second}" if second and second != subject else subject
        acronym = None
        if kind == "joint-master":
            title = f"Erasmus Mundus Joint Master in {topic}"
            acronym = (
                "".join(w[0] for w in topic.replace("-", " ").split() if w[0].isupper())
                or topic[:4].upper()
            )
        elif kind == "master-specialisation":
            parent = subjects[0] if subject != subjects[0] else subjects[-1]
            title = f"{abbr} {parent}: {topic}"
        else:
            form = rng.random()
            if form < 0.4:
                title = f"{abbr} {topic}"
            elif form < 0.7:
                title = f"{degree} in {topic}"
            else:
                title = f"{abbr} {rng.choice(MODIFIERS)} {topic}"
        inst = coordinator.slug
        slug = iris.slugify(title)
        if (inst, slug) in self._used:
            slug = f"{slug}-{index}"
        self._used.add((inst, slug))
        prog = nt_iri(iris.programme(inst, slug))
        self._titles.append((prog[1:-1], (title, "en")))
        if index % max(1, self.programmes // 200) == 0:
            self.sample.append(prog[1:-1])
        lines = rng.randint(40, 400)
        graph, t = self._segment(
            f"synthetic-programme-{index:06d}",
            index,
            f"{title} (synthetic page)",
            f"{title} | {coordinator.name}",
            lines,
            rng,
        )
        country = next(c for c in COUNTRIES if c[0] == coordinator.country)
        language = "ENG" if kind == "joint-master" or rng.random() < 0.65 else country[2]
        credits = 120 if kind == "joint-master" else rng.choices((60, 90, 120), (25, 15, 60))[0]
        duration = {60: rng.choice(("P1Y", "P12M")), 90: "P18M", 120: rng.choice(("P2Y", "P24M"))}[
            credits
        ]
        mode = rng.choices([m[0] for m in MODES], [m[2] for m in MODES])[0]
        part = lambda *p: nt_iri(iris.programme_part(inst, slug, *p))  # noqa: E731
        qual, credit = part("qualification"), part("credits")
        t += [
            (prog, T.type, T.programme),
            (prog, T.title, nt_text(title)),
            (
                prog,
                T.description,
                nt_text(
                    f"The {title} at {coordinator.name} prepares students for careers in "
                    f"{topic.lower()}, combining coursework with a research thesis."
                ),
            ),
            (prog, T.awards, qual),
            (qual, T.type, T.qualification),
            (qual, T.title, nt_text(degree)),
            (qual, T.abbreviation, nt_plain(abbr)),
            (qual, T.eqf_level, T.eqf7),
            (qual, T.level_text, nt_plain("Masters")),
            (prog, T.credit_point, credit),
            (credit, T.type, T.credit_class),
            (credit, T.framework, T.ects),
            (credit, T.value, nt_typed(credits, "decimal")),
            (prog, T.duration, nt_typed(duration, "duration")),
            (prog, T.mode, nt_iri(mode)),
            (prog, T.schedule, T.full_time),
            (prog, T.language, nt_iri(EU_LANGUAGE[language])),
        ]
        if kind in self.vocab.kinds:
            t.append((prog, T.kind, self.vocab.kinds[kind]))
        if acronym:
            t.append((prog, T.acronym, nt_plain(acronym)))
        for org in providers:
            t.append((prog, T.provided_by, org.iri.n3()))
        if kind == "joint-master":
            cons = nt_iri(iris.organisation("consortium", inst, slug))
            t += [
                (prog, T.coordinated, coordinator.iri.n3()),
                (prog, T.consortium, cons),
                (cons, T.type, T.consortium_class),
                (cons, T.pref, nt_text(f"{acronym} consortium")),
            ]
            t += [(cons, T.has_member, org.iri.n3()) for org in providers]
        unit = nt_iri(iris.organisation(inst, iris.slugify(faculty)))
        t += [
            (prog, T.administered, unit),
            (unit, T.type, T.unit),
            (unit, T.unit_of, coordinator.iri.n3()),
            (unit, T.pref, nt_text(faculty)),
        ]
        if rng.random() < 0.3:
            t.append((prog, T.highlight, nt_text(rng.choice(HIGHLIGHTS))))
        if rng.random() < 0.4:
            t.append((prog, T.group_size, nt_typed(rng.randint(12, 120), "integer")))
        for method in rng.sample(
            self.vocab.teaching, min(len(self.vocab.teaching), rng.randint(0, 2))
        ):
            t.append((prog, T.teaching, method))
        for n, sentence in enumerate(
            (
                f"Apply advanced methods of {subject.lower()} to real-world problems",
                f"Critically evaluate current research in {topic.lower()}",
            ),
            start=1,
        ):
            lo = nt_iri(iris.outcome(inst, slug, "learning", str(n)))
            t += [
                (prog, T.learning_outcome, lo),
                (lo, T.type, T.learning_outcome_class),
                (lo, T.title, nt_text(sentence)),
            ]
        career = nt_iri(iris.outcome(inst, slug, "career", "1"))
        job = rng.choice(CAREERS)
        t += [
            (prog, T.career, career),
            (career, T.type, T.career_class),
            (career, T.pref, nt_text(f"{job} in {subject.lower()}")),
            (
                career,
                T.description,
                nt_text(f"Graduates work as {job.lower()}s in {topic.lower()}."),
            ),
        ]
        t += self._components(rng, inst, slug, prog, providers, credits, subject)
        t += self._requirements(rng, inst, slug, prog, language, subjects)
        t += self._offerings(rng, inst, slug, prog, coordinator.country)
        t += self._where(rng, graph, lines, t)
        self.curation.append((prog, T.field, nt_iri(ISCED_F[code])))
        return graph, t

    @staticmethod
    def _where(rng: random.Random, segment: str, lines: int, triples: list[Triple]) -> list[Triple]:
        """Each fact-bearing node says where on its page it is read, as the bundled sources'
        nodes do (shp:FactSaysWhere): derived from the segment, at a line inside it."""
        facts = sorted({s for s, p, o in triples if p == T.type and o in FACT_CLASSES})
        where: list[Triple] = []
        for node in facts:
            line = nt_typed(rng.randint(1, lines), "integer")
            where += [(node, T.derived, segment), (node, T.source_line, line)]
        return where

    def _components(
        self,
        rng: random.Random,
        inst: str,
        slug: str,
        prog: str,
        providers: list[Organisation],
        credits: int,
        subject: str,
    ) -> list[Triple]:
        semesters = max(2, credits // 30)
        t: list[Triple] = []
        for n in range(1, semesters + 1):
            comp = nt_iri(iris.component(inst, slug, f"semester-{n}"))
            host = providers[(n - 1) % len(providers)] if n < semesters else providers[0]
            last = n == semesters
            t += [
                (prog, T.has_component, comp),
                (comp, T.type, T.component),
                (comp, T.dtype, nt_iri(THESIS if last else MODULE)),
                (comp, T.sequence, nt_typed(n, "integer")),
                (comp, T.hosted, host.iri.n3()),
                (
                    comp,
                    T.description,
                    nt_text(
                        f"Master's thesis in {subject.lower()}"
                        if last
                        else f"Semester {n} in {host.city}: courses in {subject.lower()}"
                    ),
                ),
            ]
            if last and len(providers) > 1:
                tracks = [
                    nt_iri(iris.component(inst, slug, f"semester-{n}", name))
                    for name in ("research", "internship")
                ]
                t.append((comp, T.options, nt_typed(1, "integer")))
                for track, kind, text in zip(
                    tracks,
                    (THESIS, INTERNSHIP),
                    (
                        "a research stay at a research institute",
                        "an internship in a professional organisation",
                    ),
                    strict=True,
                ):
                    t += [
                        (comp, T.has_option, track),
                        (track, T.type, T.track),
                        (track, T.dtype, nt_iri(kind)),
                        (track, T.description, nt_text(f"The thesis written during {text}")),
                    ]
                t.append((tracks[0], T.alternative, tracks[1]))
                t.append((tracks[1], T.alternative, tracks[0]))
        return t

    def _requirements(
        self,
        rng: random.Random,
        inst: str,
        slug: str,
        prog: str,
        language: str,
        subjects: tuple[str, ...],
    ) -> list[Triple]:
        degree = nt_iri(iris.requirement(inst, slug, "degree"))
        related = rng.choice(subjects).lower()
        t: list[Triple] = [
            (prog, T.admission, degree),
            (degree, T.type, T.degree_req),
            (degree, T.required_level, T.eqf6),
            (degree, T.required_field, nt_text(f"{related} or a related field")),
            (
                degree,
                T.description,
                nt_text(f"A bachelor's degree in {related} or a related field"),
            ),
        ]
        if rng.random() < 0.5:
            t.append((degree, T.procedure, nt_text("After an admissions procedure")))
        req = nt_iri(iris.requirement(inst, slug, "language"))
        t += [
            (prog, T.admission, req),
            (req, T.type, T.language_req),
            (req, T.proficiency, nt_iri(EU_LANGUAGE[language])),
            (req, T.description, nt_text(f"Proficiency in {LANGUAGES[language]}")),
        ]
        if language == "ENG" and self.vocab.tests:
            for n, (test, low, high, step) in enumerate(
                rng.sample(self.vocab.tests, min(2, len(self.vocab.tests))), start=1
            ):
                node = nt_iri(iris.requirement(inst, slug, "language", f"test-{n}"))
                score = low + (high - low) * rng.uniform(0.6, 0.8)
                score = round(low + round((score - low) / step) * step, 2)
                t += [
                    (req, T.accepted_test, node),
                    (node, T.type, T.test_req),
                    (node, T.language_test, test),
                    (
                        node,
                        T.overall,
                        nt_typed(
                            f"{score:g}" if "." in f"{score:g}" else f"{score:g}.0", "decimal"
                        ),
                    ),
                ]
            if rng.random() < 0.3:
                node = nt_iri(iris.requirement(inst, slug, "language", "exemption"))
                t += [
                    (req, T.exemption, node),
                    (node, T.type, T.exemption_class),
                    (node, T.exempt_country, nt_iri(EU_COUNTRY.IRL)),
                    (node, T.exempt_country, nt_iri(EU_COUNTRY.MLT)),
                    (
                        node,
                        T.condition,
                        nt_text("Secondary or higher education completed in English"),
                    ),
                ]
        return t

    def _offerings(
        self, rng: random.Random, inst: str, slug: str, prog: str, country: str
    ) -> list[Triple]:
        t: list[Triple] = []
        intakes = [("2026-09", "2026")] + ([("2027-02", "2027-feb")] if rng.random() < 0.2 else [])
        eu_fee = (
            0
            if country in {"DEU", "AUT", "FIN", "DNK", "SWE", "CZE"} and rng.random() < 0.6
            else rng.randrange(5, 45) * 100
        )
        non_eu_fee = rng.randrange(60, 250) * 100
        for month, intake in intakes:
            off = nt_iri(iris.offering(inst, slug, intake))
            t += [(off, T.type, T.offering_class), (off, T.offering_of, prog)]
            if rng.random() < 0.7:
                t.append((off, T.start_date, nt_typed(f"{month}-01", "date")))
            else:
                t.append((off, T.start_date, nt_typed(month, "gYearMonth")))
            year = int(month[:4]) if month.endswith("09") else int(month[:4]) - 1
            groups = [None] + ([self.vocab.international] if self.vocab.international else [])
            for n, group in enumerate(groups):
                dl = nt_iri(iris.deadline(inst, slug, intake, str(n + 1)))
                dm = rng.randint(4, 6) - 2 * n if month.endswith("09") else rng.randint(9, 11)
                t += [
                    (off, T.deadline_prop, dl),
                    (dl, T.type, T.deadline_class),
                    (dl, T.date, nt_typed(f"{year}-{dm:02d}-{rng.choice((1, 15)):02d}", "date")),
                ]
                amount = eu_fee if n == 0 else non_eu_fee
                if group is not None:
                    t.append((dl, T.group, group))
                if rng.random() < 0.1:
                    t.append((dl, T.estimate, nt_typed("true", "boolean")))
                if amount == 0:  # tuition-free: the page states no fee
                    continue
                fee = nt_iri(iris.fee(inst, slug, intake, str(n + 1)))
                t += [
                    (off, T.fee_prop, fee),
                    (fee, T.type, T.fee_class),
                    (fee, T.amount, nt_typed(f"{amount}.0", "decimal")),
                    (fee, T.currency, T.eur),
                    (fee, T.billing, nt_typed("P1Y", "duration")),
                ]
                if group is not None:
                    t.append((fee, T.group, group))
        return t

    def _curation_record(self) -> list[Triple]:
        g = self.curation_graph
        return [
            (g, T.type, T.curation),
            (g, T.label, nt_text(f"Synthetic classification (seed {self.seed})")),
            (
                g,
                T.rule,
                nt_text("Synthetic: the ISCED-F field the generator drew the title subject from"),
            ),
            (g, T.attributed, self.agent),
            (self.agent, T.type, T.software_agent),
            (self.agent, T.label, nt_text("Prospectus synthetic generator")),
            *(triple for org in self.organisations for triple in university(org)),
            *self.curation,
        ]
