"""The tables the synthetic generator draws from: EU countries and their cities, languages,
fields of education and their subjects, degrees, name patterns, streets, careers, title
words; and the concepts it writes.
"""

from __future__ import annotations

from rdflib import URIRef

from ..iris import EU_CURRENCY

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
