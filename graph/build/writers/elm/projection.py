"""A programme as ELM: the offer (an elm:LearningOpportunity and its parts) and the
specification (the elm:Qualification it awards), per the mapping in
graph/build/writers/elm/__init__.py."""

from __future__ import annotations

from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD
from rdflib.term import Node

from ....iris import ELM, PRO, PROV
from ....read.text import MONTHS
from .builder import (
    FORMAL_LEARNING,
    LO_PROGRAMME,
    NQF_LEVELS,
    Builder,
    PageUrls,
    Projection,
)
from .choices import (
    DERIVED,
    RULE_DEADLINE,
    RULE_FIELD,
    RULE_FIRST,
    RULE_LANGUAGE,
    RULE_NQF,
    RULE_PART_LANGUAGE,
    RULE_PART_OUTCOME,
    RULE_PART_TITLE,
    RULE_START,
    RULE_TITLE_FROM_ABBREVIATION,
    SELECTED,
    first_node,
    sorted_nodes,
)


def _end_of(value: Literal) -> str | None:
    text, datatype = str(value), value.datatype
    try:
        if datatype == XSD.date:
            return date.fromisoformat(text[:10]).isoformat() + "T23:59:59"
        if datatype == XSD.dateTime:
            return text
        if datatype == XSD.gYearMonth:
            year, month = int(text[:4]), int(text[5:7])
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1).isoformat() + "T23:59:59"
    except ValueError:
        return None
    return None


def _start_of(value: Literal) -> str | None:
    text, datatype = str(value), value.datatype
    try:
        if datatype == XSD.date:
            return date.fromisoformat(text[:10]).isoformat() + "T00:00:00"
        if datatype == XSD.gYearMonth:
            return date(int(text[:4]), int(text[5:7]), 1).isoformat() + "T00:00:00"
    except ValueError:
        return None
    return None


class ProgrammeBuilder(Builder):
    """Adds programmes to the ELM graph."""

    def programme(self, programme: URIRef) -> None:
        data, add = self.data, self.add
        first_record = len(self.choices.records)
        qualification = first_node(data.objects(programme, PRO.awards))
        language = self.language(programme)
        assert language is not None  # missing() said so
        offerings = self.offerings(programme)
        add(programme, RDF.type, ELM.LearningOpportunity)
        for title in self.choices.newest(programme, DCTERMS.title, "title"):
            add(programme, DCTERMS.title, title)
        for text in self.choices.newest(programme, DCTERMS.description, "description"):
            add(programme, DCTERMS.description, text)
        add(programme, DCTERMS.type, self.concept(LO_PROGRAMME))
        self.homepage(programme, programme)
        for org in self.providers(programme):
            self.organisation(org)
            add(programme, ELM.providedBy, org)
        add(programme, ELM.defaultLanguage, self.concept(language))
        if first_node(data.objects(programme, ELM.defaultLanguage)) is None:
            requirements_of = [
                r
                for r in data.objects(programme, PRO.admissionRequirement)
                if (r, PRO.proficiencyLanguage, language) in data
            ]
            self.choices.record(
                DERIVED, (programme, ELM.defaultLanguage, language), RULE_LANGUAGE, requirements_of
            )
        add(programme, ELM.learningAchievementSpecification, qualification)
        sources = [programme, *offerings]
        durations = sorted_nodes(d for s in sources for d in data.objects(s, ELM.duration))
        if durations:
            add(programme, ELM.duration, durations[0])
            if len({str(d) for d in durations}) > 1:
                self.choices.record(
                    SELECTED,
                    (programme, ELM.duration, durations[0]),
                    RULE_FIRST.format(what="duration"),
                    [s for s in sources if (s, ELM.duration, durations[0]) in data],
                    "The sources state the duration as " + ", ".join(str(d) for d in durations),
                )
        modes = sorted_nodes(m for s in sources for m in data.objects(s, ELM.mode))
        for mode in modes:
            add(programme, ELM.mode, self.concept(mode))
        schedule = first_node(m for s in sources for m in data.objects(s, ELM.learningSchedule))
        if schedule is not None:
            add(programme, ELM.learningSchedule, self.concept(schedule))
        self.intake(programme, offerings)
        for grant in sorted_nodes(data.objects(programme, PRO.funding)):
            if self.langs(grant, DCTERMS.title):
                add(programme, ELM.grant, grant)
                add(grant, RDF.type, ELM.Grant)
                for prop in (DCTERMS.title, DCTERMS.description):
                    for text in self.one_per_language(grant, prop):
                        add(grant, prop, text)
        requirements = sorted_nodes(data.objects(programme, PRO.admissionRequirement))
        procedures = sorted(
            {str(p) for r in requirements for p in data.objects(r, PRO.admissionProcedure)}
        )
        if procedures:
            add(programme, ELM.admissionProcedure, self.note("\n".join(procedures)))
        for component in sorted_nodes(data.objects(programme, PRO.hasComponent)):
            if self.choices.inferred_note(programme, PRO.hasComponent, component) is None:
                self.component(programme, component, language)
        self.qualification(programme, qualification, language, modes, requirements)
        self.choices.summary(programme, self.choices.records[first_record:])

    def intake(self, programme: URIRef, offerings: list[URIRef]) -> None:
        data = self.data
        starts = sorted(
            s
            for o in offerings
            for v in data.objects(o, PRO.startDate)
            if isinstance(v, Literal) and (s := _start_of(v))
        )
        if starts:
            period = BNode()
            self.add(programme, DCTERMS.temporal, period)
            self.add(period, RDF.type, DCTERMS.PeriodOfTime)
            start = Literal(starts[0], datatype=XSD.dateTime)
            self.add(period, ELM.startDate, start)
            stated = [
                o
                for o in offerings
                for v in data.objects(o, PRO.startDate)
                if isinstance(v, Literal) and _start_of(v) == starts[0]
            ]
            self.choices.record(DERIVED, (period, ELM.startDate, start), RULE_START, stated)
        notes = []
        for offering in offerings:
            estimate = (offering, PRO.isEstimate, Literal(True)) in data
            for month in sorted_nodes(data.objects(offering, PRO.startMonth)):
                text = str(month).lstrip("-")[:2]
                if text.isdigit() and 1 <= int(text) <= 12:
                    notes.append(
                        f"{'Expected to start' if estimate else 'Starts'} in "
                        f"{MONTHS[int(text) - 1]}."
                    )
            if estimate and any(True for _ in data.objects(offering, PRO.startDate)):
                notes.append("The start date is an estimate.")
            for note in self.langs(offering, PRO.deliveryNote):
                notes.append(str(note))
        if notes:
            self.add(programme, ELM.scheduleInformation, self.note(" ".join(sorted(set(notes)))))
        deadlines: dict[str, set[Node]] = {}
        for offering in offerings:
            for deadline in data.objects(offering, PRO.applicationDeadline):
                for value in data.objects(deadline, PRO.date):
                    if isinstance(value, Literal) and (end := _end_of(value)):
                        deadlines.setdefault(end, set()).add(deadline)
        for end in sorted(deadlines):
            value = Literal(end, datatype=XSD.dateTime)
            self.add(programme, ELM.applicationDeadline, value)
            self.choices.record(
                DERIVED, (programme, ELM.applicationDeadline, value), RULE_DEADLINE, deadlines[end]
            )
        for offering in offerings:
            for fee in sorted_nodes(data.objects(offering, PRO.tuitionFee)):
                self.fee(programme, fee)

    def fee(self, programme: URIRef, fee: Node) -> None:
        amount = first_node(self.data.objects(fee, PRO.amount))
        currency = first_node(self.data.objects(fee, PRO.currency))
        detail = BNode()
        self.add(programme, ELM.priceDetail, detail)
        self.add(detail, RDF.type, ELM.PriceDetail)
        period = first_node(self.data.objects(fee, PRO.billingPeriod))
        per = {"P1Y": " per year", "P6M": " per semester", "P1M": " per month"}.get(
            str(period), "" if period is None else f" per {period}"
        )
        group = first_node(self.data.objects(fee, PRO.appliesToApplicantGroup))
        for_group = f" ({self.label(group)})" if group is not None else ""
        self.add(detail, SKOS.prefLabel, Literal(f"Tuition fee{per}{for_group}", lang="en"))
        for text in self.one_per_language(fee, DCTERMS.description):
            self.add(detail, DCTERMS.description, text)
        if amount is not None and currency is not None:
            node = BNode()
            self.add(detail, ELM.amount, node)
            self.add(node, RDF.type, ELM.Amount)
            self.add(node, RDF.value, Literal(str(amount), datatype=XSD.decimal))
            self.add(node, ELM.unit, self.concept(currency))

    def component(
        self, programme: URIRef, component: URIRef, language: URIRef, parent: URIRef | None = None
    ) -> None:
        data, add = self.data, self.add
        kind = first_node(data.objects(component, DCTERMS.type))
        order = first_node(data.objects(component, PRO.sequenceIndex))
        host = first_node(data.objects(component, PRO.hostedBy))
        name = self.label(kind) if kind is not None else "Part"
        programme_name = first_node(data.objects(programme, PRO.acronym)) or str(
            self.one_per_language(programme, DCTERMS.title)[0]
        )
        title = (
            f"{programme_name}: semester {order}"
            if order is not None
            else f"{programme_name}: {name.lower()}"
        )
        if parent is not None:
            title = f"{self.label_of_output(parent)}, {name.lower()} option"
        if host is not None:
            title += f" at {self.label(host)}"
        add(parent or programme, ELM.hasPart, component)
        add(component, RDF.type, ELM.LearningOpportunity)
        add(component, DCTERMS.title, Literal(title, lang="en"))
        if not self.langs(component, DCTERMS.title):
            made = [n for n in (kind, order, host) if isinstance(n, URIRef)] or [component]
            self.choices.record(
                DERIVED,
                (component, DCTERMS.title, Literal(title, lang="en")),
                RULE_PART_TITLE,
                made,
            )
        descriptions = self.one_per_language(component, DCTERMS.description)
        for text in descriptions:
            add(component, DCTERMS.description, text)
        if kind is not None:
            add(component, DCTERMS.type, self.concept(kind))
        self.homepage(component, component)
        providers = (
            [host] if isinstance(host, URIRef) and self.country(host) else self.providers(programme)
        )
        for org in providers:
            self.organisation(org)
            add(component, ELM.providedBy, org)
        add(component, ELM.defaultLanguage, self.concept(language))
        self.choices.record(
            DERIVED, (component, ELM.defaultLanguage, language), RULE_PART_LANGUAGE, [programme]
        )
        spec = BNode()
        add(component, ELM.learningAchievementSpecification, spec)
        add(spec, RDF.type, ELM.LearningAchievementSpecification)
        add(spec, DCTERMS.title, Literal(title, lang="en"))
        add(spec, DCTERMS.language, self.concept(language))
        for isced in sorted_nodes(data.objects(programme, PRO.fieldOfEducation)):
            add(spec, ELM.ISCEDFCode, self.concept(isced))
        if kind is not None:
            add(spec, DCTERMS.type, self.concept(kind))
        if descriptions:
            for text in descriptions:
                outcome = BNode()
                add(spec, ELM.learningOutcome, outcome)
                add(outcome, RDF.type, ELM.LearningOutcome)
                add(outcome, DCTERMS.title, text)
                self.choices.record(
                    DERIVED, (outcome, DCTERMS.title, text), RULE_PART_OUTCOME, [component]
                )
        else:
            for outcome in sorted_nodes(data.objects(programme, ELM.learningOutcome)):
                self.outcome(outcome)
                add(spec, ELM.learningOutcome, outcome)
        for option in sorted_nodes(data.objects(component, PRO.hasOption)):
            self.component(programme, option, language, parent=component)

    def label_of_output(self, node: URIRef) -> str:
        return str(first_node(self.out.objects(node, DCTERMS.title)) or node)

    def outcome(self, outcome: URIRef) -> None:
        self.add(outcome, RDF.type, ELM.LearningOutcome)
        for title in self.one_per_language(outcome, DCTERMS.title):
            self.add(outcome, DCTERMS.title, title)

    def qualification(
        self,
        programme: URIRef,
        qualification: URIRef,
        language: URIRef,
        modes: list[Node],
        requirements: list[Node],
    ) -> None:
        data, add = self.data, self.add
        add(qualification, RDF.type, ELM.Qualification)
        for title in self.titles(qualification):
            add(qualification, DCTERMS.title, title)
            if (qualification, DCTERMS.title, title) not in data:
                self.choices.record(
                    DERIVED,
                    (qualification, DCTERMS.title, title),
                    RULE_TITLE_FROM_ABBREVIATION,
                    [qualification],
                )
        for abbreviation in sorted_nodes(data.objects(qualification, PRO.degreeAbbreviation)):
            if (
                qualification,
                DCTERMS.title,
                Literal(str(abbreviation), lang="en"),
            ) not in self.out:
                add(qualification, SKOS.altLabel, Literal(str(abbreviation), lang="en"))
        eqf = first_node(data.objects(qualification, ELM.EQFLevel))
        add(qualification, ELM.EQFLevel, self.concept(eqf))
        self.choices.carry_inferred(
            (qualification, ELM.EQFLevel, eqf), (qualification, ELM.EQFLevel, eqf)
        )
        for level in self.nqf_levels(programme, qualification):
            add(qualification, ELM.NQFLevel, self.concept(level))
            countries = {
                org
                for org in self.providers(programme)
                if NQF_LEVELS.get((eqf, str(self.country(org)).rsplit("/", 1)[-1])) == level
            }
            self.choices.record(
                DERIVED, (qualification, ELM.NQFLevel, level), RULE_NQF, [qualification, *countries]
            )
        for isced in sorted_nodes(data.objects(programme, PRO.fieldOfEducation)):
            add(qualification, ELM.ISCEDFCode, self.concept(isced))
            self.choices.record(
                DERIVED,
                (qualification, ELM.ISCEDFCode, isced),
                RULE_FIELD,
                [programme, *self.choices.curation()],
            )
        for subject in sorted_nodes(data.objects(programme, PRO.sourceSubjectArea)):
            add(qualification, ELM.educationSubject, self.concept(subject))
        add(qualification, DCTERMS.language, self.concept(language))
        for mode in modes:
            add(qualification, ELM.mode, self.concept(mode))
        add(qualification, ELM.learningSetting, self.concept(FORMAL_LEARNING))
        self.homepage(qualification, qualification)
        credits = set()
        for credit in data.objects(programme, ELM.creditPoint):
            framework = first_node(data.objects(credit, ELM.framework))
            value = first_node(data.objects(credit, RDF.value))
            if framework is not None and value is not None:
                number = value.toPython() if isinstance(value, Literal) else value
                text = (
                    format(number.normalize(), "f") if hasattr(number, "normalize") else str(number)
                )
                credits.add((framework, text))
        for framework, points in sorted(credits):
            node = BNode()
            add(qualification, ELM.creditPoint, node)
            add(node, RDF.type, ELM.CreditPoint)
            add(node, ELM.framework, self.concept(framework))
            add(node, ELM.point, Literal(points))
        for outcome in sorted_nodes(data.objects(programme, ELM.learningOutcome)):
            self.outcome(outcome)
            add(qualification, ELM.learningOutcome, outcome)
        entry = [
            str(d)
            for r in requirements
            if (r, RDF.type, PRO.DegreeRequirement) in data
            for d in self.langs(r, DCTERMS.description)
        ]
        if entry:
            add(qualification, ELM.entryRequirement, self.note("\n\n".join(sorted(set(entry)))))


def project(data: Graph, url: PageUrls) -> Projection:
    """The ELM view of every programme in `data` (the union of the published graphs)."""
    builder = ProgrammeBuilder(data, url)
    projection = Projection(builder.out)
    for programme in sorted_nodes(data.subjects(RDF.type, PRO.StudyProgramme)):
        if not isinstance(programme, URIRef):
            continue
        reason = builder.missing(programme)
        if reason:
            projection.skipped[programme] = reason
            continue
        builder.programme(programme)
        projection.programmes.append(programme)
    builder.describe_concepts()
    if projection.programmes:
        builder.add(builder.export, RDF.type, PROV.Entity)
        sources = [*data.subjects(RDF.type, PRO.SourceSegment), *builder.choices.curation()]
        for source in sorted_nodes(sources):
            builder.add(builder.export, PROV.wasDerivedFrom, source)
    return projection
