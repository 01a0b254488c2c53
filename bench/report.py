"""The machine description, the comparisons between servers and the Markdown summary."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

OURS = "prospectus"  # our server with its SPARQL result cache off: the engine's own figure
OURS_CACHED = "prospectus-cached"  # the same server with the cache on (bench/run.py)
PACKAGES = ("pyoxigraph", "rdflib", "flask", "gunicorn", "rdflib-endpoint", "fastapi", "uvicorn")


def write_results(out: Path, name: str, when: datetime, results: dict[str, Any], text: str) -> Path:
    """Write `results` as bench/results-style `<name>-<when>.json` and `.md` (`text`) into
    `out`; the stem of the two files."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{name}-{when:%Y-%m-%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    return stem


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and the versions of the servers measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        versions["virtuoso-opensource"] = (
            subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7-bin"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
            or None
        )
    except OSError:
        versions["virtuoso-opensource"] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{os_name} (Linux {platform.release()})",
        "python": platform.python_version(),
        "packages": versions,
    }


def machine_line(m: dict[str, Any]) -> str:
    """The machine of a results file in one phrase, as every bench report starts with it."""
    return (
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB, "
        f"{m.get('os')}, Python {m.get('python')}"
    )


def mix_rps(queries: dict[str, Any]) -> float | None:
    """Throughput of the mix run with each query equally often: n / sum(1 / rps)."""
    rates = [q["throughput"]["rps"] for q in queries.values()]
    if not rates or any(not r or math.isnan(r) for r in rates):
        return None
    return round(len(rates) / sum(1 / r for r in rates), 2)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return round(a / b, 2)


def compare(servers: dict[str, Any]) -> dict[str, Any]:
    """Ours against every peer measured in the same run: per query and for the mix."""
    ours = servers.get(OURS, {})
    result: dict[str, Any] = {}
    if "queries" not in ours:
        return result
    cached = servers.get(OURS_CACHED, {})
    for name, peer in servers.items():
        if name.startswith(OURS) or "queries" not in peer:
            continue
        per_query = {}
        for query, mine in ours["queries"].items():
            theirs = peer["queries"].get(query)
            if theirs is None:
                continue
            per_query[query] = {
                "heavy": mine["heavy"],
                "median_speedup": _ratio(
                    theirs["latency"]["median_ms"], mine["latency"]["median_ms"]
                ),
                "p99_speedup": _ratio(theirs["latency"]["p99_ms"], mine["latency"]["p99_ms"]),
                "throughput_ratio": _ratio(mine["throughput"]["rps"], theirs["throughput"]["rps"]),
                "rows": [mine["rows"], theirs["rows"]],
                "rows_match": mine["rows"] == theirs["rows"],
            }
        heavy = [
            v["median_speedup"]
            for v in per_query.values()
            if v["heavy"] and v["median_speedup"] is not None
        ]
        result[name] = {
            "queries": per_query,
            "mix_throughput_ratio": _ratio(ours.get("mix_rps"), peer.get("mix_rps")),
            "cached_mix_throughput_ratio": _ratio(cached.get("mix_rps"), peer.get("mix_rps")),
            "heavy_min_speedup": min(heavy) if heavy else None,
            "slower_queries": sorted(
                q
                for q, v in per_query.items()
                if v["median_speedup"] is not None and v["median_speedup"] < 1
            ),
        }
    return result


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:g}×"


def _checks(entry: dict[str, Any], largest: bool) -> list[str]:
    """The issue's done criteria, stated for this size."""
    lines = []
    ours = entry["servers"].get(OURS, {})
    rdflib = entry.get("comparison", {}).get("rdflib-endpoint")
    if rdflib:
        heavy = rdflib["heavy_min_speedup"]
        ok = heavy is not None and heavy >= 10
        lines.append(
            f"- heavy queries at least 10× faster than rdflib-endpoint (median): "
            f"{'yes' if ok else 'NO'}, the smallest speedup is {_x(heavy)}"
        )
        slower = rdflib["slower_queries"]
        lines.append(
            "- no query slower than on rdflib-endpoint: "
            + ("yes" if not slower else "NO: " + ", ".join(slower))
        )
    virtuoso = entry.get("comparison", {}).get("virtuoso")
    if virtuoso:
        lines.append(
            f"- mix throughput against Virtuoso: {_x(virtuoso['mix_throughput_ratio'])} "
            "(our result cache off)"
        )
        if virtuoso.get("cached_mix_throughput_ratio") is not None:
            lines.append(
                "- with our result cache on (queries repeated, as a polling client sends "
                f"them): {_x(virtuoso['cached_mix_throughput_ratio'])}"
            )
    if "queries" in ours:
        errors = sum(q["errors"] for q in ours["queries"].values())
        lines.append(
            f"- the whole mix without a timeout or error on our server: "
            f"{'yes' if errors == 0 else f'NO ({errors} failed requests)'}"
        )
        lookup = ours["queries"].get("lookup")
        if lookup and largest:
            p99 = lookup["latency"]["p99_ms"]
            lines.append(
                f"- single-resource lookup p99 under 10 ms: "
                f"{'yes' if p99 < 10 else 'NO'} ({_ms(p99)} ms)"
            )
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    c = results["config"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    out = [
        f"# Benchmark run {results['date']}",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}",
        f"- Python {m['python']}; {packages}",
        f"- per query and server: up to {c['requests']} sequential requests (latency) and up to "
        f"{max(c['requests'], 20 * c['concurrency'])} requests from {c['concurrency']} "
        f"keep-alive clients (throughput), each phase cut after {c['budget']} s; seed "
        f"{c['seed']}; our server's workers: {c['workers'] or 'the workers setting'}"
        + (" — **quick mode: a smoke run, not a measurement**" if c.get("quick") else ""),
        "",
        "Latency: median / p99 in ms, requests one after another. Throughput: requests/s. "
        "Speedup: the peer's median over ours.",
        "",
    ]
    sizes = results["sizes"]
    for i, entry in enumerate(sizes):
        servers = entry["servers"]
        names = [OURS] + [n for n in servers if n != OURS]
        out += [
            f"## {entry['programmes']:,} programmes ({entry['quads']:,} quads, "
            f"{entry['organisations']:,} organisations)",
            "",
        ]
        for name in names:
            s = servers.get(name, {})
            if "error" in s:
                out.append(f"- {name}: **failed**: {s['error'].splitlines()[0]}")
            elif s:
                load = (
                    f", of which {s['load_seconds']} s loading"
                    if s.get("load_seconds") is not None
                    else ""
                )
                busy = (
                    f"; machine load average {s['load_average_before'][0]} before, "
                    f"{s['load_average_after'][0]} after"
                    if "load_average_after" in s
                    else ""
                )
                out.append(
                    f"- {name}: answered after {s['startup_seconds']} s{load}; "
                    f"mix throughput {s.get('mix_rps')} req/s{busy}"
                )
        out.append("")
        measured = [n for n in names if "queries" in servers.get(n, {})]
        header = ["query"]
        for name in measured:
            header += [f"{name} median / p99", f"{name} req/s"]
            if not name.startswith(OURS):
                header += [f"speedup vs {name}"]
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for query in results["queries"]:
            row = [query + (" (heavy)" if results["queries"][query]["heavy"] else "")]
            for name in measured:
                q = servers[name]["queries"].get(query)
                if q is None:
                    row += ["–", "–"] + ([] if name.startswith(OURS) else ["–"])
                    continue
                lat = q["latency"]
                errs = f" ({q['errors']} errors)" if q["errors"] else ""
                row += [
                    f"{_ms(lat['median_ms'])} / {_ms(lat['p99_ms'])}{errs}",
                    f"{q['throughput']['rps']:.1f}",
                ]
                if not name.startswith(OURS):
                    cmp = entry["comparison"].get(name, {}).get("queries", {}).get(query, {})
                    row += [_x(cmp.get("median_speedup"))]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        mismatches = [
            f"{q} on {peer} ({v['rows'][1]} rows against our {v['rows'][0]})"
            for peer, cmp in entry.get("comparison", {}).items()
            for q, v in cmp["queries"].items()
            if not v["rows_match"]
        ]
        if mismatches:
            out += [
                "Row counts that differ from ours (first parameter of each query): "
                + "; ".join(mismatches),
                "",
            ]
        out += _checks(entry, largest=i == len(sizes) - 1) + [""]
    return "\n".join(out)
