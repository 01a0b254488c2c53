"""The ELM export: the European Learning Model (ELM 3.1) view of the programmes.

ELM: http://data.europa.eu/snb/model/elm/ ; profile checked: Learning Opportunities and
Qualifications (LOQ 1.1, the shapes of the Qualification Dataset Register) and the European
Digital Credentials generic shapes (EDC), read from the folder the `reference_shapes_dir`
setting names (graph/build/reference.py); without it the export is written unchecked and the
commands say so. The tests check every export against the official files.

The projection is generated from the canonical graph and holds ELM triples only (the LOQ
shapes are closed). The mapping, per programme P (a pro:StudyProgramme):

- the offer: P itself as an elm:LearningOpportunity, typed "Educational programme": titles,
  descriptions, providers (elm:providedBy), duration, modes, schedule, teaching language,
  foaf:homepage (P's resource page), start (dct:temporal, or a schedule note when only the
  month is stated), application deadlines, tuition fees (elm:priceDetail), grants, the
  admission procedure, and its parts (elm:hasPart): the components (semesters, thesis) and
  their options (thesis tracks), each an elm:LearningOpportunity of its own;
- the specification: the qualification P awards (pro:awards) as an elm:Qualification:
  titles, EQF level, NQF levels, ISCED-F fields, credits (elm:creditPoint), learning
  outcomes, language, mode, formal learning setting, entry requirements.

Choices where ELM asks for something the sources do not state in ELM's shape (each is
documented in docs/harvesting.md, and recorded in the export itself, below):
- ELM allows one title and description per language: the one stated by the newest source
  (the page's own last-updated date, else its capture date, else the day it was read; the
  statement's source is read from its pro:Citation); among equals, code-point order;
- ELM allows one duration, schedule and teaching language: the first in code-point order;
  with no stated teaching language, the language of the programme's language requirement;
- deadlines are xsd:dateTime in ELM: a date becomes 23:59:59 that day, a month its last day;
  a start stated as a date or month becomes its first day at 00:00:00, a month alone goes
  into elm:scheduleInformation;
- NQF levels come from EQF level + the providers' countries (NQF_LEVELS below);
- a component has no title in the sources: it is titled from its type, order and host, and
  its description is its specification's learning outcome (the programme's outcomes when it
  has no description).
A programme lacking what ELM requires (a qualification, EQF level, field, provider
country, learning outcome, language) is left out and reported in `Projection.skipped`. A part
the editors concluded (a pro:hasComponent named by an inferred note) is left out: ELM does not
require it and the export cannot mark it there.

What the export chose or derived is recorded in the export itself, outside the ELM nodes (the
LOQ shapes are closed, but only for ELM classes): the node {base}dataset/prospectus-elm (a
prov:Entity, prov:wasDerivedFrom every source graph) has one pro:QualityNote per such value
(pro:qualityNote), naming the statement (rdf:subject, rdf:predicate, rdf:object), the rule
(pro:rule) and what it was made from (prov:wasDerivedFrom); its dct:type says selected (title,
description, duration), derived (language, date-times, NQF levels, generated titles, parts'
outcomes, fields on the qualification) or inferred (a value the editors concluded, such as the
EQF level). Each programme also carries an elm:additionalNote saying the same in words.

Layout: builder.py (the ELM graph being built, organisations, controlled values),
projection.py (the programmes: offer and specification), choices.py (what was chosen and
derived, as quality notes), parts.py (a programme's part of the export, what it read, and the
index a rebuild reuses parts from), write.py (the writer of dumps/elm.ttl). Imported by the build
(pipeline.py, exports.py) and the tests.
"""
