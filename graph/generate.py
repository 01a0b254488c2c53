"""A deterministic, seeded generator of synthetic study programmes (issue #3, the benchmark).

`generate(path, programmes=N, seed=S)` writes N-Quads (or TriG) with the graph layout of the
bundled build (docs/model.md): one named graph per synthetic source segment (one programme page
each), carrying the PROV of its segment; one curation graph (the universities' canonical names
and seats, `pro:fieldOfEducation`, the generating agent); the ontology graph and the vocabulary
graph, read with graph/build/load.py; and the catalogue order graph (graph/build/order.py,
`pro:listPosition`) that the build computes. The vocabulary graph is extended with the EU
concepts the synthetic data uses beyond the bundled snapshot (more countries, languages, ISCED-F
fields), each with `skos:prefLabel` and `skos:inScheme`, so the output stays valid against the
shapes.

The same seed and size always give the same bytes. Quads are written as they are made, so
100,000 programmes (about ten million quads) never sit in memory.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from . import iris
from .build import order
from .build.load import ONTOLOGY_GRAPH, VOCABULARY_GRAPH, read_ontology, read_vocabularies
from .errors import ProspectusError
from .iris import ELM, EQF, EU_COUNTRY, EU_CURRENCY, EU_LANGUAGE, ISCED_F, ORG, PRO, PROV, SCHEMA

FORMATS = {"nquads": ".nq", "trig": ".trig"}
# A fixed instant: the output must not depend on the wall clock.
GENERATED_AT = "2026-01-01T00:00:00Z"
SNB = "http://data.europa.eu/snb/"
ECTS = URIRef(SNB + "education-credit/6fcec5c5af")
FULL_TIME = URIRef(SNB + "learning-schedule/72a0ab92fa")
MODES = (  # (concept, label, weight)
    (URIRef(SNB + "learning-assessment/9191af2ed9"), "Presential", 80),
    (URIRef(SNB + "learning-assessment/e92d221e4d"), "Blended", 12),
    (URIRef(SNB + "learning-assessment/920fbb3cbe"), "Online", 8),
)
MODULE = URIRef(SNB + "learning-opportunity/0f7dac46ca")
THESIS = URIRef(SNB + "learning-opportunity/b2434ca358")
INTERNSHIP = URIRef(SNB + "learning-opportunity/77b99de990")
EUR = EU_CURRENCY.EUR

# EU countries: (code, English name, teaching language besides English, weight, cities).
COUNTRIES: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("AUT", "Austria", "DEU", 3, ("Vienna", "Graz", "Innsbruck", "Linz", "Salzburg")),
    ("BEL", "Belgium", "NLD", 3, ("Leuven", "Ghent", "Brussels", "Antwerp", "Liège")),
    ("BGR", "Bulgaria", "BUL", 1, ("Sofia", "Plovdiv", "Varna")),
    ("HRV", "Croatia", "HRV", 1, ("Zagreb", "Split", "Rijeka")),
    ("CYP", "Cyprus", "ELL", 1, ("Nicosia", "Limassol")),
    ("CZE", "Czechia", "CES", 2, ("Prague", "Brno", "Olomouc", "Ostrava")),
    ("DNK", "Denmark", "DAN", 2, ("Copenhagen", "Aarhus", "Aalborg", "Odense")),
    ("EST", "Estonia", "EST", 1, ("Tallinn", "Tartu")),
    ("FIN", "Finland", "FIN", 2, ("Helsinki", "Tampere", "Turku", "Oulu")),
    (
        "FRA",
        "France",
        "FRA",
        6,
        ("Paris", "Lyon", "Toulouse", "Grenoble", "Lille", "Bordeaux", "Strasbourg"),
    ),
    (
        "DEU",
        "Germany",
        "DEU",
        8,
        ("Berlin", "Munich", "Münster", "Hamburg", "Heidelberg", "Cologne", "Dresden", "Freiburg"),
    ),
    ("GRC", "Greece", "ELL", 2, ("Athens", "Thessaloniki", "Patras")),
    ("HUN", "Hungary", "HUN", 1, ("Budapest", "Debrecen", "Szeged")),
    ("IRL", "Ireland", "ENG", 2, ("Dublin", "Cork", "Galway", "Limerick")),
    (
        "ITA",
        "Italy",
        "ITA",
        6,
        ("Rome", "Milan", "Bologna", "Padua", "Turin", "Florence", "Naples"),
    ),
    ("LVA", "Latvia", "LAV", 1, ("Riga", "Jelgava")),
    ("LTU", "Lithuania", "LIT", 1, ("Vilnius", "Kaunas")),
    ("LUX", "Luxembourg", "FRA", 1, ("Luxembourg", "Esch-sur-Alzette")),
    ("MLT", "Malta", "ENG", 1, ("Valletta", "Msida")),
    (
        "NLD",
        "Netherlands",
        "NLD",
        5,
        (
            "Leiden",
            "Amsterdam",
            "Utrecht",
            "Delft",
            "Groningen",
            "Rotterdam",
            "Eindhoven",
            "Maastricht",
        ),
    ),
    ("POL", "Poland", "POL", 5, ("Warsaw", "Kraków", "Wrocław", "Poznań", "Gdańsk", "Łódź")),
    ("PRT", "Portugal", "POR", 2, ("Lisbon", "Porto", "Coimbra", "Braga")),
    ("ROU", "Romania", "RON", 2, ("Bucharest", "Cluj-Napoca", "Iași", "Timișoara")),
    ("SVK", "Slovakia", "SLK", 1, ("Bratislava", "Košice")),
    ("SVN", "Slovenia", "SLV", 1, ("Ljubljana", "Maribor")),
    (
        "ESP",
        "Spain",
        "SPA",
        6,
        ("Madrid", "Barcelona", "Valencia", "Seville", "Salamanca", "Granada", "Bilbao"),
    ),
    ("SWE", "Sweden", "SWE", 3, ("Stockholm", "Uppsala", "Lund", "Gothenburg", "Umeå")),
)
LANGUAGES = {
    "ENG": "English",
    "DEU": "German",
    "FRA": "French",
    "NLD": "Dutch",
    "BUL": "Bulgarian",
    "HRV": "Croatian",
    "ELL": "Modern Greek (1453-)",
    "CES": "Czech",
    "DAN": "Danish",
    "EST": "Estonian",
    "FIN": "Finnish",
    "HUN": "Hungarian",
    "ITA": "Italian",
    "LAV": "Latvian",
    "LIT": "Lithuanian",
    "POL": "Polish",
    "POR": "Portuguese",
    "RON": "Romanian",
    "SLK": "Slovak",
    "SLV": "Slovenian",
    "SPA": "Spanish",
    "SWE": "Swedish",
}
# ISCED-F 2013 detailed fields: (code, label, subjects as they appear in titles, faculty).
FIELDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "0111",
        "Education science",
        ("Education", "Educational Sciences", "Learning Sciences", "Educational Leadership"),
        "Faculty of Education",
    ),
    (
        "0213",
        "Fine arts",
        ("Fine Arts", "Visual Arts", "Contemporary Art"),
        "Faculty of Arts and Humanities",
    ),
    (
        "0222",
        "History and archaeology",
        ("History", "Archaeology", "European History", "Medieval Studies"),
        "Faculty of Arts and Humanities",
    ),
    (
        "0231",
        "Language acquisition",
        ("Applied Linguistics", "Translation", "Language Teaching"),
        "Faculty of Arts and Humanities",
    ),
    (
        "0311",
        "Economics",
        ("Economics", "Development Economics", "Behavioural Economics", "Econometrics"),
        "School of Business and Economics",
    ),
    (
        "0312",
        "Political sciences and civics",
        ("Political Science", "International Relations", "European Studies", "Public Policy"),
        "Faculty of Social Sciences",
    ),
    (
        "0313",
        "Psychology",
        (
            "Psychology",
            "Cognitive Neuroscience",
            "Clinical Psychology",
            "Work and Organisational Psychology",
        ),
        "Faculty of Social Sciences",
    ),
    (
        "0314",
        "Sociology and cultural studies",
        ("Sociology", "Cultural Studies", "Migration Studies", "Urban Studies"),
        "Faculty of Social Sciences",
    ),
    (
        "0321",
        "Journalism and reporting",
        ("Journalism", "Media Studies", "Digital Journalism"),
        "Faculty of Social Sciences",
    ),
    (
        "0411",
        "Accounting and taxation",
        ("Accounting", "Taxation", "Auditing"),
        "School of Business and Economics",
    ),
    (
        "0412",
        "Finance, banking and insurance",
        ("Finance", "Banking", "Financial Engineering", "Insurance Studies"),
        "School of Business and Economics",
    ),
    (
        "0413",
        "Management and administration",
        (
            "Management",
            "Business Administration",
            "Public Administration",
            "Innovation Management",
            "Supply Chain Management",
        ),
        "School of Business and Economics",
    ),
    (
        "0421",
        "Law",
        ("Law", "European Law", "International Law", "Human Rights Law"),
        "Faculty of Law",
    ),
    (
        "0511",
        "Biology",
        ("Biology", "Molecular Biology", "Ecology", "Bioinformatics"),
        "Faculty of Science",
    ),
    (
        "0521",
        "Environmental sciences",
        ("Environmental Sciences", "Climate Studies", "Sustainability Science"),
        "Faculty of Science",
    ),
    (
        "0531",
        "Chemistry",
        ("Chemistry", "Materials Chemistry", "Analytical Chemistry"),
        "Faculty of Science",
    ),
    (
        "0533",
        "Physics",
        ("Physics", "Astrophysics", "Quantum Science", "Photonics"),
        "Faculty of Science",
    ),
    (
        "0541",
        "Mathematics",
        ("Mathematics", "Applied Mathematics", "Mathematical Modelling"),
        "Faculty of Science",
    ),
    ("0542", "Statistics", ("Statistics", "Data Science", "Biostatistics"), "Faculty of Science"),
    (
        "0612",
        "Database and network design and administration",
        ("Cybersecurity", "Computer Networks", "Cloud Computing"),
        "Faculty of Computer Science",
    ),
    (
        "0613",
        "Software and applications development and analysis",
        (
            "Computer Science",
            "Software Engineering",
            "Artificial Intelligence",
            "Human-Computer Interaction",
        ),
        "Faculty of Computer Science",
    ),
    (
        "0688",
        "Inter-disciplinary programmes and qualifications involving Information and "
        "Communication Technologies (ICTs)",
        (
            "eGovernance",
            "Digital Transformation",
            "Information Systems",
            "ICT in the Public Sector",
        ),
        "Faculty of Computer Science",
    ),
    (
        "0713",
        "Electricity and energy",
        ("Energy Engineering", "Renewable Energy", "Electrical Power Engineering"),
        "Faculty of Engineering",
    ),
    (
        "0714",
        "Electronics and automation",
        ("Robotics", "Embedded Systems", "Control Engineering"),
        "Faculty of Engineering",
    ),
    (
        "0715",
        "Mechanics and metal trades",
        ("Mechanical Engineering", "Aerospace Engineering"),
        "Faculty of Engineering",
    ),
    (
        "0731",
        "Architecture and town planning",
        ("Architecture", "Urban Planning", "Landscape Architecture"),
        "Faculty of Engineering",
    ),
    (
        "0732",
        "Building and civil engineering",
        ("Civil Engineering", "Structural Engineering", "Water Management"),
        "Faculty of Engineering",
    ),
    (
        "0811",
        "Crop and livestock production",
        ("Agricultural Sciences", "Animal Sciences", "Plant Sciences"),
        "Faculty of Agricultural Sciences",
    ),
    (
        "0912",
        "Medicine",
        ("Public Health", "Global Health", "Biomedical Sciences", "Epidemiology"),
        "Faculty of Medicine",
    ),
    (
        "1015",
        "Travel, tourism and leisure",
        ("Tourism Management", "Hospitality Management"),
        "School of Business and Economics",
    ),
    (
        "1041",
        "Transport services",
        ("Transport and Logistics", "Maritime Studies"),
        "Faculty of Engineering",
    ),
)
# Degree by the first two digits of the field: (title, abbreviation).
DEGREES = {
    "01": ("Master of Arts", "MA"),
    "02": ("Master of Arts", "MA"),
    "03": ("Master of Science", "MSc"),
    "04": ("Master of Science", "MSc"),
    "05": ("Master of Science", "MSc"),
    "06": ("Master of Science", "MSc"),
    "07": ("Master of Science", "MSc"),
    "08": ("Master of Science", "MSc"),
    "09": ("Master of Science", "MSc"),
    "10": ("Master of Science", "MSc"),
}
SPECIAL_DEGREES: dict[str, tuple[str, str]] = {
    "0421": ("Master of Laws", "LLM"),
    "0413": ("Master of Business Administration", "MBA"),
}
MODIFIERS = ("International", "European", "Advanced", "Applied", "Comparative")
PATRONS = (
    "Erasmus",
    "Humboldt",
    "Curie",
    "Copernicus",
    "Linnaeus",
    "Galilei",
    "Vesalius",
    "Comenius",
    "Kepler",
    "Bohr",
    "Sibelius",
    "Masaryk",
    "Semmelweis",
    "Montesquieu",
    "Descartes",
    "Cervantes",
    "Camões",
    "Petrarca",
    "Spinoza",
    "Leibniz",
    "Tesla",
    "Mendel",
    "Nobel",
    "Andersen",
    "Joyce",
)
UNIVERSITY_PATTERNS = (
    "University of {city}",
    "{city} University of Technology",
    "{city} School of Economics",
    "{city} University of Applied Sciences",
    "{patron} University {city}",
    "{city} Institute of Technology",
    "{patron} University of {city}",
    "Free University of {city}",
)
STREETS = (
    "Universiteitsplein",
    "Hauptstraße",
    "Rue de l'Université",
    "Via Roma",
    "Calle Mayor",
    "Campus Road",
    "Kungsgatan",
    "Ehitajate tee",
    "Rapenburg",
    "Schlossplatz",
    "Avenue des Sciences",
    "Piazza del Duomo",
)
CAREERS = (
    "Policy adviser",
    "Data analyst",
    "Consultant",
    "Researcher",
    "Project manager",
    "Engineer",
    "Lecturer",
    "Entrepreneur",
    "Civil servant",
    "Product manager",
)
HIGHLIGHTS = (
    "Taught in small, international groups",
    "Strong links with industry partners",
    "A mobility semester at a partner university",
    "Among the first programmes of its kind in the country",
    "Close contact with researchers from the first week",
)
# Words a user would search titles for; each occurs in the subjects above.
TITLE_WORDS = (
    "data",
    "law",
    "energy",
    "management",
    "european",
    "engineering",
    "public",
    "health",
    "international",
    "science",
)

XSD_NS = str(XSD)


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


@dataclass
class Summary:
    """What was written, and a sample of it for the benchmark's query parameters."""

    path: Path
    programmes: int
    organisations: int
    quads: int
    seed: int
    sample_programmes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    title_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "programmes": self.programmes,
            "organisations": self.organisations,
            "quads": self.quads,
            "seed": self.seed,
            "sample_programmes": self.sample_programmes,
            "countries": self.countries,
            "title_words": self.title_words,
        }


class GeneratorError(ProspectusError):
    """Bad generator arguments (exit 2)."""


# N-Quads terms, written by hand: rdflib's serialiser is far too slow for ten million quads.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _u(term: str) -> str:
    return f"<{term}>"


def _text(value: str, lang: str = "en") -> str:
    return f'"{value.translate(_ESCAPES)}"@{lang}'


def _plain(value: str) -> str:
    return f'"{value.translate(_ESCAPES)}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD_NS}{datatype}>'


class _T:
    """Every IRI the generator writes more than once, pre-formatted."""

    type = _u(RDF.type)
    label = _u(RDFS.label)
    value = _u(RDF.value)
    title = _u(DCTERMS.title)
    description = _u(DCTERMS.description)
    dtype = _u(DCTERMS.type)
    modified = _u(DCTERMS.modified)
    publisher = _u(DCTERMS.publisher)
    format = _u(DCTERMS["format"])
    pref = _u(SKOS.prefLabel)
    alt = _u(SKOS.altLabel)
    in_scheme = _u(SKOS.inScheme)
    concept = _u(SKOS.Concept)
    derived = _u(PROV.wasDerivedFrom)
    generated_by = _u(PROV.wasGeneratedBy)
    quoted = _u(PROV.wasQuotedFrom)
    used = _u(PROV.used)
    associated = _u(PROV.wasAssociatedWith)
    attributed = _u(PROV.wasAttributedTo)
    ended = _u(PROV.endedAtTime)
    activity = _u(PROV.Activity)
    software_agent = _u(PROV.SoftwareAgent)
    document = _u(FOAF.Document)
    webpage = _u(SCHEMA.WebPage)
    university = _u(SCHEMA.CollegeOrUniversity)
    address = _u(SCHEMA.address)
    postal = _u(SCHEMA.PostalAddress)
    street = _u(SCHEMA.streetAddress)
    postcode = _u(SCHEMA.postalCode)
    locality = _u(SCHEMA.addressLocality)
    country = _u(SCHEMA.addressCountry)
    formal_org = _u(ORG.FormalOrganization)
    unit = _u(ORG.OrganizationalUnit)
    unit_of = _u(ORG.unitOf)
    has_member = _u(ORG.hasMember)
    provided_by = _u(ELM.providedBy)
    credit_point = _u(ELM.creditPoint)
    credit_class = _u(ELM.CreditPoint)
    framework = _u(ELM.framework)
    duration = _u(ELM.duration)
    mode = _u(ELM.mode)
    schedule = _u(ELM.learningSchedule)
    language = _u(ELM.defaultLanguage)
    eqf_level = _u(ELM.EQFLevel)
    qualification = _u(ELM.Qualification)
    learning_outcome = _u(ELM.learningOutcome)
    learning_outcome_class = _u(ELM.LearningOutcome)
    segment = _u(PRO.SourceSegment)
    curation = _u(PRO.CurationRecord)
    capture_class = _u(PRO.PageCapture)
    segment_of = _u(PRO.segmentOf)
    line_start = _u(PRO.lineStart)
    line_end = _u(PRO.lineEnd)
    seed_file = _u(PRO.seedFile)
    sha256 = _u(PRO.sha256)
    rule = _u(PRO.classificationRule)
    portal = _u(PRO.StudyPortal)
    consortium_class = _u(PRO.Consortium)
    programme = _u(PRO.StudyProgramme)
    acronym = _u(PRO.acronym)
    highlight = _u(PRO.highlight)
    kind = _u(PRO.programmeKind)
    coordinated = _u(PRO.coordinatedBy)
    consortium = _u(PRO.consortium)
    administered = _u(PRO.administeredBy)
    awards = _u(PRO.awards)
    abbreviation = _u(PRO.degreeAbbreviation)
    level_text = _u(PRO.studyLevelText)
    field = _u(PRO.fieldOfEducation)
    group_size = _u(PRO.typicalGroupSize)
    list_position = _u(PRO.listPosition)
    teaching = _u(PRO.teachingMethod)
    career = _u(PRO.careerOutcome)
    career_class = _u(PRO.CareerOutcome)
    has_component = _u(PRO.hasComponent)
    component = _u(PRO.ProgrammeComponent)
    track = _u(PRO.ThesisTrack)
    sequence = _u(PRO.sequenceIndex)
    hosted = _u(PRO.hostedBy)
    has_option = _u(PRO.hasOption)
    options = _u(PRO.optionsToChoose)
    alternative = _u(PRO.alternativeTo)
    admission = _u(PRO.admissionRequirement)
    degree_req = _u(PRO.DegreeRequirement)
    language_req = _u(PRO.LanguageRequirement)
    test_req = _u(PRO.LanguageTestRequirement)
    exemption_class = _u(PRO.LanguageRequirementExemption)
    required_level = _u(PRO.requiredDegreeLevel)
    required_field = _u(PRO.requiredField)
    procedure = _u(PRO.admissionProcedure)
    proficiency = _u(PRO.proficiencyLanguage)
    accepted_test = _u(PRO.acceptedTest)
    language_test = _u(PRO.languageTest)
    overall = _u(PRO.minimumOverallScore)
    exemption = _u(PRO.exemption)
    exempt_country = _u(PRO.exemptCountry)
    condition = _u(PRO.condition)
    offering_class = _u(PRO.Offering)
    offering_of = _u(PRO.offeringOf)
    start_date = _u(PRO.startDate)
    deadline_prop = _u(PRO.applicationDeadline)
    deadline_class = _u(PRO.ApplicationDeadline)
    date = _u(PRO.date)
    estimate = _u(PRO.isEstimate)
    fee_prop = _u(PRO.tuitionFee)
    fee_class = _u(PRO.TuitionFee)
    amount = _u(PRO.amount)
    currency = _u(PRO.currency)
    billing = _u(PRO.billingPeriod)
    group = _u(PRO.appliesToApplicantGroup)
    ects = _u(ECTS)
    full_time = _u(FULL_TIME)
    eqf6 = _u(EQF["6"])
    eqf7 = _u(EQF["7"])
    eur = _u(EUR)


Triple = tuple[str, str, str]
Block = tuple[str, list[Triple]]  # (graph IRI in <>, triples)


@dataclass(frozen=True)
class _Vocab:
    """Concepts of the project schemes the generator draws from (read from the vocab graph)."""

    kinds: dict[str, str]
    teaching: list[str]
    international: str | None  # the applicant group of a second, international fee
    tests: list[tuple[str, float, float, float]]  # (concept, min, max, step)

    @classmethod
    def read(cls, vocab: Graph) -> _Vocab:
        def members(scheme: str) -> list[URIRef]:
            found = vocab.subjects(SKOS.inScheme, iris.vocab(scheme))
            return sorted(c for c in found if isinstance(c, URIRef))

        kinds = {str(c).rsplit("/", 1)[-1]: _u(c) for c in members("programme-kind")}
        international = iris.vocab("applicant-group", "international")
        tests = []
        for test in members("language-test"):
            scale = vocab.value(test, PRO.scoreScale)
            if scale is None:
                continue
            low, high = vocab.value(scale, PRO.scaleMinimum), vocab.value(scale, PRO.scaleMaximum)
            step = vocab.value(scale, PRO.scaleStep)
            if not isinstance(low, Literal) or not isinstance(high, Literal):
                continue
            size = float(step) if isinstance(step, Literal) and step else 1.0
            tests.append((_u(test), float(low), float(high), size))
        return cls(
            kinds=kinds,
            teaching=[_u(c) for c in members("teaching-method")],
            international=_u(international)
            if (international, SKOS.inScheme, None) in vocab
            else None,
            tests=tests,
        )


def _extra_concepts(vocab: Graph) -> Graph:
    """EU concepts the synthetic data uses that the bundled vocabulary snapshot lacks."""
    extra = Graph()

    def scheme_of(namespace: str, fallback: str) -> URIRef:
        for concept, scheme in vocab.subject_objects(SKOS.inScheme):
            if str(concept).startswith(namespace) and isinstance(scheme, URIRef):
                return scheme
        return URIRef(fallback)

    def add(concept: URIRef, label: str, scheme: URIRef) -> None:
        if (concept, SKOS.prefLabel, None) in vocab:
            return
        extra.add((concept, RDF.type, SKOS.Concept))
        extra.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
        extra.add((concept, SKOS.inScheme, scheme))

    countries = scheme_of(str(EU_COUNTRY), str(EU_COUNTRY).rstrip("/"))
    languages = scheme_of(str(EU_LANGUAGE), str(EU_LANGUAGE).rstrip("/"))
    fields = scheme_of(str(ISCED_F), str(ISCED_F) + "25831c2")
    for code, name, *_rest in COUNTRIES:
        add(EU_COUNTRY[code], name, countries)
    for code, name in LANGUAGES.items():
        add(EU_LANGUAGE[code], name, languages)
    for code, name, *_rest in FIELDS:
        add(ISCED_F[code], name, fields)
    for concept, label, _weight in MODES:
        add(concept, label, URIRef(SNB + "learning-assessment/25831c2"))
    add(FULL_TIME, "Full time", URIRef(SNB + "learning-schedule/25831c2"))
    for concept, label in (
        (MODULE, "Programme module"),
        (THESIS, "Thesis"),
        (INTERNSHIP, "Internship"),
    ):
        add(concept, label, URIRef(SNB + "learning-opportunity/25831c2"))
    add(
        ECTS,
        "European Credit Transfer and Accumulation System",
        URIRef(SNB + "education-credit/25831c2"),
    )
    add(EQF["6"], "Level 6", URIRef(SNB + "eqf/25831c2"))
    add(EQF["7"], "Level 7", URIRef(SNB + "eqf/25831c2"))
    add(EUR, "Euro", scheme_of(str(EU_CURRENCY), str(EU_CURRENCY).rstrip("/")))
    return extra


class Generator:
    """The synthetic graph of `programmes` programmes for one seed, as blocks of triples."""

    def __init__(self, programmes: int, seed: int = 1, vocab: Graph | None = None):
        if programmes < 1:
            raise GeneratorError(f"--programmes must be at least 1, got {programmes}")
        self.programmes = programmes
        self.seed = seed
        self.vocab = _Vocab.read(vocab if vocab is not None else Graph())
        self.organisations = self._organisations()
        self.activity_base = f"synthetic-generation-{seed}"
        self.agent = _u(iris.agent("prospectus-generator"))
        self.curation_graph = _u(iris.source(f"synthetic-curation-{seed}"))
        self.portals = [
            (_u(iris.organisation(iris.slugify(name))), name)
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

    def _organisations(self) -> list[Organisation]:
        rng = random.Random(f"organisations:{self.seed}")
        count = max(6, round(self.programmes / 25))
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

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self) -> Iterator[Block]:
        """One segment graph per programme, then the curation graph, then the order graph."""
        for index in range(self.programmes):
            yield self._programme(index)
        yield self.curation_graph, self._curation_record()
        yield self._order()

    def _order(self) -> Block:
        """The catalogue order (graph/build/order.py), as the build would compute it."""
        graph = _u(order.ORDER_GRAPH)
        triples = [(s.n3(), p.n3(), o.n3()) for s, p, o in order.describe_graph()]
        triples += [
            (_u(programme), _T.list_position, _typed(n, "integer"))
            for programme, n in order.positions(self._titles)
        ]
        return graph, triples

    def _segment(
        self, slug: str, number: int, label: str, page_title: str, lines: int, rng: random.Random
    ) -> tuple[str, list[Triple]]:
        """A source segment with its capture, page and PROV: (graph IRI, triples)."""
        seg = _u(iris.source(slug))
        capture = _u(iris.capture(slug))
        page = _u(iris.page(slug))
        activity = _u(iris.activity(self.activity_base, slug))
        portal, portal_name = rng.choice(self.portals)
        digest = hashlib.sha256(f"{self.seed}:{slug}".encode()).hexdigest()
        modified = f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}"
        return seg, [
            (seg, _T.type, _T.segment),
            (seg, _T.label, _text(label)),
            (seg, _T.derived, capture),
            (seg, _T.segment_of, page),
            (seg, _T.line_start, _typed(1, "integer")),
            (seg, _T.line_end, _typed(lines, "integer")),
            (seg, _T.modified, _typed(modified, "gYearMonth")),
            (seg, _T.generated_by, activity),
            (seg, _T.publisher, portal),
            (capture, _T.type, _T.capture_class),
            (capture, _T.seed_file, _plain(f"{number % 1000:03d}_{digest[:16]}.txt")),
            (capture, _T.sha256, _plain(digest)),
            (capture, _T.format, _plain("text/plain")),
            (capture, _T.quoted, page),
            (page, _T.type, _T.document),
            (page, _T.type, _T.webpage),
            (page, _T.title, _text(page_title)),
            (page, _T.publisher, portal),
            (portal, _T.type, _T.portal),
            (portal, _T.type, _T.formal_org),
            (portal, _T.pref, _text(portal_name)),
            (activity, _T.type, _T.activity),
            (activity, _T.used, capture),
            (activity, _T.associated, self.agent),
            (activity, _T.ended, _typed(GENERATED_AT, "dateTime")),
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
        prog = _u(iris.programme(inst, slug))
        self._titles.append((prog[1:-1], (title, "en")))
        if index % max(1, self.programmes // 200) == 0:
            self.sample.append(prog[1:-1])
        graph, t = self._segment(
            f"synthetic-programme-{index:06d}",
            index,
            f"{title} (synthetic page)",
            f"{title} | {coordinator.name}",
            rng.randint(40, 400),
            rng,
        )
        country = next(c for c in COUNTRIES if c[0] == coordinator.country)
        language = "ENG" if kind == "joint-master" or rng.random() < 0.65 else country[2]
        credits = 120 if kind == "joint-master" else rng.choices((60, 90, 120), (25, 15, 60))[0]
        duration = {60: rng.choice(("P1Y", "P12M")), 90: "P18M", 120: rng.choice(("P2Y", "P24M"))}[
            credits
        ]
        mode = rng.choices([m[0] for m in MODES], [m[2] for m in MODES])[0]
        part = lambda *p: _u(iris.programme_part(inst, slug, *p))  # noqa: E731
        qual, credit = part("qualification"), part("credits")
        t += [
            (prog, _T.type, _T.programme),
            (prog, _T.title, _text(title)),
            (
                prog,
                _T.description,
                _text(
                    f"The {title} at {coordinator.name} prepares students for careers in "
                    f"{topic.lower()}, combining coursework with a research thesis."
                ),
            ),
            (prog, _T.awards, qual),
            (qual, _T.type, _T.qualification),
            (qual, _T.title, _text(degree)),
            (qual, _T.abbreviation, _plain(abbr)),
            (qual, _T.eqf_level, _T.eqf7),
            (qual, _T.level_text, _plain("Masters")),
            (prog, _T.credit_point, credit),
            (credit, _T.type, _T.credit_class),
            (credit, _T.framework, _T.ects),
            (credit, _T.value, _typed(credits, "decimal")),
            (prog, _T.duration, _typed(duration, "duration")),
            (prog, _T.mode, _u(mode)),
            (prog, _T.schedule, _T.full_time),
            (prog, _T.language, _u(EU_LANGUAGE[language])),
        ]
        if kind in self.vocab.kinds:
            t.append((prog, _T.kind, self.vocab.kinds[kind]))
        if acronym:
            t.append((prog, _T.acronym, _plain(acronym)))
        for org in providers:
            t.append((prog, _T.provided_by, org.iri.n3()))
        if kind == "joint-master":
            cons = _u(iris.organisation("consortium", inst, slug))
            t += [
                (prog, _T.coordinated, coordinator.iri.n3()),
                (prog, _T.consortium, cons),
                (cons, _T.type, _T.consortium_class),
                (cons, _T.pref, _text(f"{acronym} consortium")),
            ]
            t += [(cons, _T.has_member, org.iri.n3()) for org in providers]
        unit = _u(iris.organisation(inst, iris.slugify(faculty)))
        t += [
            (prog, _T.administered, unit),
            (unit, _T.type, _T.unit),
            (unit, _T.unit_of, coordinator.iri.n3()),
            (unit, _T.pref, _text(faculty)),
        ]
        if rng.random() < 0.3:
            t.append((prog, _T.highlight, _text(rng.choice(HIGHLIGHTS))))
        if rng.random() < 0.4:
            t.append((prog, _T.group_size, _typed(rng.randint(12, 120), "integer")))
        for method in rng.sample(
            self.vocab.teaching, min(len(self.vocab.teaching), rng.randint(0, 2))
        ):
            t.append((prog, _T.teaching, method))
        for n, sentence in enumerate(
            (
                f"Apply advanced methods of {subject.lower()} to real-world problems",
                f"Critically evaluate current research in {topic.lower()}",
            ),
            start=1,
        ):
            lo = _u(iris.outcome(inst, slug, "learning", str(n)))
            t += [
                (prog, _T.learning_outcome, lo),
                (lo, _T.type, _T.learning_outcome_class),
                (lo, _T.title, _text(sentence)),
            ]
        career = _u(iris.outcome(inst, slug, "career", "1"))
        job = rng.choice(CAREERS)
        t += [
            (prog, _T.career, career),
            (career, _T.type, _T.career_class),
            (career, _T.pref, _text(f"{job} in {subject.lower()}")),
            (
                career,
                _T.description,
                _text(f"Graduates work as {job.lower()}s in {topic.lower()}."),
            ),
        ]
        t += self._components(rng, inst, slug, prog, providers, credits, subject)
        t += self._requirements(rng, inst, slug, prog, language, subjects)
        t += self._offerings(rng, inst, slug, prog, coordinator.country)
        self.curation.append((prog, _T.field, _u(ISCED_F[code])))
        return graph, t

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
            comp = _u(iris.component(inst, slug, f"semester-{n}"))
            host = providers[(n - 1) % len(providers)] if n < semesters else providers[0]
            last = n == semesters
            t += [
                (prog, _T.has_component, comp),
                (comp, _T.type, _T.component),
                (comp, _T.dtype, _u(THESIS if last else MODULE)),
                (comp, _T.sequence, _typed(n, "integer")),
                (comp, _T.hosted, host.iri.n3()),
                (
                    comp,
                    _T.description,
                    _text(
                        f"Master's thesis in {subject.lower()}"
                        if last
                        else f"Semester {n} in {host.city}: courses in {subject.lower()}"
                    ),
                ),
            ]
            if last and len(providers) > 1:
                tracks = [
                    _u(iris.component(inst, slug, f"semester-{n}", name))
                    for name in ("research", "internship")
                ]
                t.append((comp, _T.options, _typed(1, "integer")))
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
                        (comp, _T.has_option, track),
                        (track, _T.type, _T.track),
                        (track, _T.dtype, _u(kind)),
                        (track, _T.description, _text(f"The thesis written during {text}")),
                    ]
                t.append((tracks[0], _T.alternative, tracks[1]))
                t.append((tracks[1], _T.alternative, tracks[0]))
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
        degree = _u(iris.requirement(inst, slug, "degree"))
        related = rng.choice(subjects).lower()
        t: list[Triple] = [
            (prog, _T.admission, degree),
            (degree, _T.type, _T.degree_req),
            (degree, _T.required_level, _T.eqf6),
            (degree, _T.required_field, _text(f"{related} or a related field")),
            (degree, _T.description, _text(f"A bachelor's degree in {related} or a related field")),
        ]
        if rng.random() < 0.5:
            t.append((degree, _T.procedure, _text("After an admissions procedure")))
        req = _u(iris.requirement(inst, slug, "language"))
        t += [
            (prog, _T.admission, req),
            (req, _T.type, _T.language_req),
            (req, _T.proficiency, _u(EU_LANGUAGE[language])),
            (req, _T.description, _text(f"Proficiency in {LANGUAGES[language]}")),
        ]
        if language == "ENG" and self.vocab.tests:
            for n, (test, low, high, step) in enumerate(
                rng.sample(self.vocab.tests, min(2, len(self.vocab.tests))), start=1
            ):
                node = _u(iris.requirement(inst, slug, "language", f"test-{n}"))
                score = low + (high - low) * rng.uniform(0.6, 0.8)
                score = round(low + round((score - low) / step) * step, 2)
                t += [
                    (req, _T.accepted_test, node),
                    (node, _T.type, _T.test_req),
                    (node, _T.language_test, test),
                    (
                        node,
                        _T.overall,
                        _typed(f"{score:g}" if "." in f"{score:g}" else f"{score:g}.0", "decimal"),
                    ),
                ]
            if rng.random() < 0.3:
                node = _u(iris.requirement(inst, slug, "language", "exemption"))
                t += [
                    (req, _T.exemption, node),
                    (node, _T.type, _T.exemption_class),
                    (node, _T.exempt_country, _u(EU_COUNTRY.IRL)),
                    (node, _T.exempt_country, _u(EU_COUNTRY.MLT)),
                    (
                        node,
                        _T.condition,
                        _text("Secondary or higher education completed in English"),
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
            off = _u(iris.offering(inst, slug, intake))
            t += [(off, _T.type, _T.offering_class), (off, _T.offering_of, prog)]
            if rng.random() < 0.7:
                t.append((off, _T.start_date, _typed(f"{month}-01", "date")))
            else:
                t.append((off, _T.start_date, _typed(month, "gYearMonth")))
            year = int(month[:4]) if month.endswith("09") else int(month[:4]) - 1
            groups = [None] + ([self.vocab.international] if self.vocab.international else [])
            for n, group in enumerate(groups):
                dl = _u(iris.deadline(inst, slug, intake, str(n + 1)))
                dm = rng.randint(4, 6) - 2 * n if month.endswith("09") else rng.randint(9, 11)
                t += [
                    (off, _T.deadline_prop, dl),
                    (dl, _T.type, _T.deadline_class),
                    (dl, _T.date, _typed(f"{year}-{dm:02d}-{rng.choice((1, 15)):02d}", "date")),
                ]
                amount = eu_fee if n == 0 else non_eu_fee
                if group is not None:
                    t.append((dl, _T.group, group))
                if rng.random() < 0.1:
                    t.append((dl, _T.estimate, _typed("true", "boolean")))
                if amount == 0:  # tuition-free: the page states no fee
                    continue
                fee = _u(iris.fee(inst, slug, intake, str(n + 1)))
                t += [
                    (off, _T.fee_prop, fee),
                    (fee, _T.type, _T.fee_class),
                    (fee, _T.amount, _typed(f"{amount}.0", "decimal")),
                    (fee, _T.currency, _T.eur),
                    (fee, _T.billing, _typed("P1Y", "duration")),
                ]
                if group is not None:
                    t.append((fee, _T.group, group))
        return t

    def _university(self, org: Organisation) -> list[Triple]:
        """Canonical name and seat of a university: curation decisions, as in the bundle."""
        iri = org.iri.n3()
        address = _u(iris.organisation(org.slug, "address"))
        t = [
            (iri, _T.type, _T.formal_org),
            (iri, _T.type, _T.university),
            (iri, _T.pref, _text(org.name)),
            (iri, _T.address, address),
            (address, _T.type, _T.postal),
            (address, _T.street, _plain(org.street)),
            (address, _T.postcode, _plain(org.postcode)),
            (address, _T.locality, _plain(org.city)),
            (address, _T.country, _u(EU_COUNTRY[org.country])),
        ]
        initials = "".join(w[0] for w in org.name.split() if w[0].isupper())
        if len(initials) > 1:
            t.append((iri, _T.alt, _text(initials)))
        return t

    def _curation_record(self) -> list[Triple]:
        g = self.curation_graph
        return [
            (g, _T.type, _T.curation),
            (g, _T.label, _text(f"Synthetic classification (seed {self.seed})")),
            (
                g,
                _T.rule,
                _text("Synthetic: the ISCED-F field the generator drew the title subject from"),
            ),
            (g, _T.attributed, self.agent),
            (self.agent, _T.type, _T.software_agent),
            (self.agent, _T.label, _text("Prospectus synthetic generator")),
            *(triple for org in self.organisations for triple in self._university(org)),
            *self.curation,
        ]


def _fixed_graphs(ontology: Graph, vocab: Graph) -> Dataset:
    """Ontology and vocabularies, blank nodes relabelled canonically (deterministic output)."""
    dataset = Dataset()
    for iri, graph in ((ONTOLOGY_GRAPH, ontology), (VOCABULARY_GRAPH, vocab)):
        target = dataset.graph(iri)
        for triple in to_canonical_graph(graph):
            target.add(triple)
    return dataset


def _write_blocks(out, blocks: Iterable[Block], fmt: str) -> int:  # noqa: ANN001
    count = 0
    for graph, triples in blocks:
        if fmt == "nquads":
            out.write("".join(f"{s} {p} {o} {graph} .\n" for s, p, o in triples))
        else:
            out.write(f"{graph} {{\n")
            out.write("".join(f"  {s} {p} {o} .\n" for s, p, o in triples))
            out.write("}\n")
        count += len(triples)
    return count


def generate(path: Path, programmes: int, seed: int = 1, fmt: str | None = None) -> Summary:
    """Write the synthetic graph to `path` (N-Quads, or TriG by suffix or `fmt`)."""
    if fmt is None:
        by_suffix = {suffix: name for name, suffix in FORMATS.items()}
        if path.suffix.lower() not in by_suffix:
            raise GeneratorError(
                f"{path}: cannot tell the format from {path.suffix!r}; "
                f"name the file *.nq (N-Quads) or *.trig (TriG)"
            )
        fmt = by_suffix[path.suffix.lower()]
    if fmt not in FORMATS:
        raise GeneratorError(f"unknown output format {fmt!r}; expected {', '.join(FORMATS)}")
    ontology = read_ontology()
    vocab = read_vocabularies()
    vocab += _extra_concepts(vocab)
    generator = Generator(programmes, seed, vocab)
    fixed = _fixed_graphs(ontology, vocab)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        quads = _write_blocks(out, _fixed_blocks(fixed), fmt)
        quads += _write_blocks(out, generator.blocks(), fmt)
    tmp.replace(path)
    countries = sorted({o.country for o in generator.organisations})
    return Summary(
        path=path,
        programmes=programmes,
        organisations=len(generator.organisations),
        quads=quads,
        seed=seed,
        sample_programmes=generator.sample,
        countries=countries,
        title_words=list(TITLE_WORDS),
    )


def _fixed_blocks(dataset: Dataset) -> Iterator[Block]:
    """The ontology and vocabulary graphs as sorted N-Triples terms (rdflib gives hash order)."""
    blocks: dict[str, list[Triple]] = {}
    for line in sorted(dataset.serialize(format="nquads").splitlines()):
        if line.strip():
            spo, graph, _dot = line.rsplit(" ", 2)
            s, p, o = spo.split(" ", 2)
            blocks.setdefault(graph, []).append((s, p, o))
    yield from blocks.items()


__all__ = [
    "COUNTRIES",
    "FIELDS",
    "TITLE_WORDS",
    "Generator",
    "GeneratorError",
    "Summary",
    "generate",
]
