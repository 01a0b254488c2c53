"""RDF terms as N-Quads text, written by hand: rdflib's serialiser is far too slow for ten
million quads. `T` holds every IRI the generator writes more than once, pre-formatted.
"""

from __future__ import annotations

from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from ..iris import ELM, EQF, ORG, PRO, PROV, SCHEMA
from .tables import ECTS, EUR, FULL_TIME

XSD_NS = str(XSD)

# N-Quads terms, written by hand: rdflib's serialiser is far too slow for ten million quads.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_iri(term: str) -> str:
    return f"<{term}>"


def nt_text(value: str, lang: str = "en") -> str:
    return f'"{value.translate(_ESCAPES)}"@{lang}'


def nt_plain(value: str) -> str:
    return f'"{value.translate(_ESCAPES)}"'


def nt_typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD_NS}{datatype}>'


class T:
    """Every IRI the generator writes more than once, pre-formatted."""

    type = nt_iri(RDF.type)
    label = nt_iri(RDFS.label)
    value = nt_iri(RDF.value)
    title = nt_iri(DCTERMS.title)
    description = nt_iri(DCTERMS.description)
    dtype = nt_iri(DCTERMS.type)
    modified = nt_iri(DCTERMS.modified)
    publisher = nt_iri(DCTERMS.publisher)
    format = nt_iri(DCTERMS["format"])
    pref = nt_iri(SKOS.prefLabel)
    alt = nt_iri(SKOS.altLabel)
    in_scheme = nt_iri(SKOS.inScheme)
    concept = nt_iri(SKOS.Concept)
    derived = nt_iri(PROV.wasDerivedFrom)
    generated_by = nt_iri(PROV.wasGeneratedBy)
    quoted = nt_iri(PROV.wasQuotedFrom)
    used = nt_iri(PROV.used)
    associated = nt_iri(PROV.wasAssociatedWith)
    attributed = nt_iri(PROV.wasAttributedTo)
    ended = nt_iri(PROV.endedAtTime)
    activity = nt_iri(PROV.Activity)
    software_agent = nt_iri(PROV.SoftwareAgent)
    document = nt_iri(FOAF.Document)
    webpage = nt_iri(SCHEMA.WebPage)
    university = nt_iri(SCHEMA.CollegeOrUniversity)
    address = nt_iri(SCHEMA.address)
    postal = nt_iri(SCHEMA.PostalAddress)
    street = nt_iri(SCHEMA.streetAddress)
    postcode = nt_iri(SCHEMA.postalCode)
    locality = nt_iri(SCHEMA.addressLocality)
    country = nt_iri(SCHEMA.addressCountry)
    formal_org = nt_iri(ORG.FormalOrganization)
    unit = nt_iri(ORG.OrganizationalUnit)
    unit_of = nt_iri(ORG.unitOf)
    has_member = nt_iri(ORG.hasMember)
    provided_by = nt_iri(ELM.providedBy)
    credit_point = nt_iri(ELM.creditPoint)
    credit_class = nt_iri(ELM.CreditPoint)
    framework = nt_iri(ELM.framework)
    duration = nt_iri(ELM.duration)
    mode = nt_iri(ELM.mode)
    schedule = nt_iri(ELM.learningSchedule)
    language = nt_iri(ELM.defaultLanguage)
    eqf_level = nt_iri(ELM.EQFLevel)
    qualification = nt_iri(ELM.Qualification)
    learning_outcome = nt_iri(ELM.learningOutcome)
    learning_outcome_class = nt_iri(ELM.LearningOutcome)
    segment = nt_iri(PRO.SourceSegment)
    curation = nt_iri(PRO.CurationRecord)
    capture_class = nt_iri(PRO.PageCapture)
    segment_of = nt_iri(PRO.segmentOf)
    line_start = nt_iri(PRO.lineStart)
    line_end = nt_iri(PRO.lineEnd)
    source_line = nt_iri(PRO.sourceLine)
    seed_file = nt_iri(PRO.seedFile)
    sha256 = nt_iri(PRO.sha256)
    rule = nt_iri(PRO.classificationRule)
    portal = nt_iri(PRO.StudyPortal)
    consortium_class = nt_iri(PRO.Consortium)
    programme = nt_iri(PRO.StudyProgramme)
    acronym = nt_iri(PRO.acronym)
    highlight = nt_iri(PRO.highlight)
    kind = nt_iri(PRO.programmeKind)
    coordinated = nt_iri(PRO.coordinatedBy)
    consortium = nt_iri(PRO.consortium)
    administered = nt_iri(PRO.administeredBy)
    awards = nt_iri(PRO.awards)
    abbreviation = nt_iri(PRO.degreeAbbreviation)
    level_text = nt_iri(PRO.studyLevelText)
    field = nt_iri(PRO.fieldOfEducation)
    group_size = nt_iri(PRO.typicalGroupSize)
    list_position = nt_iri(PRO.listPosition)
    teaching = nt_iri(PRO.teachingMethod)
    career = nt_iri(PRO.careerOutcome)
    career_class = nt_iri(PRO.CareerOutcome)
    has_component = nt_iri(PRO.hasComponent)
    component = nt_iri(PRO.ProgrammeComponent)
    track = nt_iri(PRO.ThesisTrack)
    sequence = nt_iri(PRO.sequenceIndex)
    hosted = nt_iri(PRO.hostedBy)
    has_option = nt_iri(PRO.hasOption)
    options = nt_iri(PRO.optionsToChoose)
    alternative = nt_iri(PRO.alternativeTo)
    admission = nt_iri(PRO.admissionRequirement)
    degree_req = nt_iri(PRO.DegreeRequirement)
    language_req = nt_iri(PRO.LanguageRequirement)
    test_req = nt_iri(PRO.LanguageTestRequirement)
    exemption_class = nt_iri(PRO.LanguageRequirementExemption)
    required_level = nt_iri(PRO.requiredDegreeLevel)
    required_field = nt_iri(PRO.requiredField)
    procedure = nt_iri(PRO.admissionProcedure)
    proficiency = nt_iri(PRO.proficiencyLanguage)
    accepted_test = nt_iri(PRO.acceptedTest)
    language_test = nt_iri(PRO.languageTest)
    overall = nt_iri(PRO.minimumOverallScore)
    exemption = nt_iri(PRO.exemption)
    exempt_country = nt_iri(PRO.exemptCountry)
    condition = nt_iri(PRO.condition)
    offering_class = nt_iri(PRO.Offering)
    offering_of = nt_iri(PRO.offeringOf)
    start_date = nt_iri(PRO.startDate)
    deadline_prop = nt_iri(PRO.applicationDeadline)
    deadline_class = nt_iri(PRO.ApplicationDeadline)
    date = nt_iri(PRO.date)
    estimate = nt_iri(PRO.isEstimate)
    fee_prop = nt_iri(PRO.tuitionFee)
    fee_class = nt_iri(PRO.TuitionFee)
    amount = nt_iri(PRO.amount)
    currency = nt_iri(PRO.currency)
    billing = nt_iri(PRO.billingPeriod)
    group = nt_iri(PRO.appliesToApplicantGroup)
    ects = nt_iri(ECTS)
    full_time = nt_iri(FULL_TIME)
    eqf6 = nt_iri(EQF["6"])
    eqf7 = nt_iri(EQF["7"])
    eur = nt_iri(EUR)


Triple = tuple[str, str, str]
Block = tuple[str, list[Triple]]  # (graph IRI in <>, triples)
