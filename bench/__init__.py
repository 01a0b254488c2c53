"""The benchmarks: `make bench` (run.py, against rdflib-endpoint and Virtuoso), `make soak`
(soak.py), `make fuzz` (fuzz.py) and their helpers; results in results/ with machine and date.

Imported by the tests that run a small part of them (test_bench_smoke, test_sparql_fuzz);
it imports graph and server, never the reverse.
"""
