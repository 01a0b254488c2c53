"""The Markdown summary of a `python -m bench.memory` run (bench/README.md, "Memory")."""

from __future__ import annotations

from typing import Any

GB = 1024 * 1024  # kB per GB (GiB: /proc reports kB)
QUERY_ORDER = (
    "deep-pagination",
    "listing-optional",
    "filter-country-credits",
    "join-3-hop",
    "title-search",
    "count-per-field",
)
WHERE = {
    "baseline": "one process, in memory, one thread",
    "threads": "one process, in memory, queries on threads",
    "fork-read": "parent loads, never reads; one forked child reads",
    "fork-pool": "master in memory + workers + warm executors (today)",
    "fork-threads": "master loads, never reads; one forked query process on threads serves all",
    "disk-pool": "every process opens the on-disk store read-only",
    "hybrid": "one process in memory (lookups, listings) + executors on disk",
    "alternating": "one process, each request to the in-memory and the on-disk store in turn",
    "server": "`prospectus serve --data`: in memory, the layout before this change, over HTTP",
    "server-disk": "`prospectus serve` of a published version on disk (the default now), over HTTP",
}


def _gb(kb: float | None) -> str:
    return "–" if kb is None else f"{kb / GB:.2f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def baseline_peak_kb(entry: dict[str, Any]) -> int | None:
    """The reference of the criterion: the peak RSS of the one process that loaded the file."""
    base = entry["layouts"].get("baseline", {})
    return base.get("peak_rss_kb")


def _first_checkpoint(measured: dict[str, Any]) -> dict[str, Any]:
    checkpoints = measured.get("checkpoints", {})
    for name in ("warm", "loaded"):
        if name in checkpoints:
            return checkpoints[name]
    return {}


def _last_checkpoint(measured: dict[str, Any]) -> dict[str, Any]:
    checkpoints = list(measured.get("checkpoints", {}).values())
    return checkpoints[-1] if checkpoints else {}


def extrapolated(results: dict[str, Any], layout: str, quads: int) -> tuple[float, int] | None:
    """Peak PSS (kB) scaled by quads from the largest size at which the layout was measured."""
    measured = [
        (e["quads"], e["programmes"], e["layouts"][layout]["peak_pss_kb"])
        for e in results["sizes"]
        if "peak_pss_kb" in e["layouts"].get(layout, {})
    ]
    if not measured:
        return None
    from_quads, programmes, peak = max(measured)
    return peak * quads / from_quads, programmes


def memory_table(results: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    reference = baseline_peak_kb(entry)
    out = [
        "| layout | processes | PSS warm (GB) | PSS at end (GB) | peak PSS (GB) | "
        "peak PSS / baseline peak RSS | store files in page cache (GB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for layout, measured in entry["layouts"].items():
        if "skipped" in measured or "error" in measured:
            guess = extrapolated(results, layout, entry["quads"])
            if guess is None:
                why = measured.get("skipped") or measured.get("error")
                out.append(f"| {layout} | | | | not run: {why} | | |")
            else:
                peak, programmes = guess
                ratio = f"≈ {peak / reference:.1f}×" if reference else "–"
                out.append(
                    f"| {layout} | | | | ≈ {_gb(peak)} (extrapolated from "
                    f"{programmes:,} programmes) | {ratio} | |"
                )
            continue
        last = _last_checkpoint(measured)
        peak = measured.get("peak_pss_kb")
        if layout == "baseline":
            peak_text = f"{_gb(peak)} (peak RSS **{_gb(reference)}**)"
        else:
            peak_text = _gb(peak)
        ratio = f"{peak / reference:.2f}×" if peak and reference else "–"
        cache = last.get("store_page_cache_kb")
        out.append(
            f"| {layout} | {len(last.get('processes', []))} | "
            f"{_gb(_first_checkpoint(measured).get('pss_kb'))} | {_gb(last.get('pss_kb'))} | "
            f"{peak_text} | {ratio} | {_gb(cache) if cache is not None else '–'} |"
        )
    return out


def _pass(measured: dict[str, Any]) -> dict[str, Any]:
    passes = measured.get("latency") or []
    return passes[-1] if passes else {}


def latency_table(entry: dict[str, Any]) -> list[str]:
    out = [
        "| layout | lookup p50 | lookup p99 | "
        + " | ".join(QUERY_ORDER)
        + " | heavy mix q/s (clients) | timeout |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in QUERY_ORDER) + " | ---: | --- |",
    ]
    for layout, measured in entry["layouts"].items():
        steady = _pass(measured)
        if not steady:
            continue
        lookup = steady.get("lookup", {})
        cells = [_ms(steady.get(q, {}).get("median_ms")) for q in QUERY_ORDER]
        rates = measured.get("throughput", {})
        rate = ", ".join(f"{v['qps']:.2f} ({k})" for k, v in rates.items()) or "–"
        out.append(
            f"| {layout} | {_ms(lookup.get('median_ms'))} | {_ms(lookup.get('p99_ms'))} | "
            + " | ".join(cells)
            + f" | {rate} | {_timeout(measured.get('timeout'))} |"
        )
    return out


def _timeout(timeout: dict[str, Any] | None) -> str:
    if not timeout or not timeout.get("deadline_s"):
        return "–"
    during = timeout.get("lookups_meanwhile", {})
    meanwhile = (
        f"; lookups meanwhile p50 {_ms(during.get('median_ms'))} / p99 {_ms(during.get('p99_ms'))}"
        if during.get("n")
        else ""
    )
    if "runs_on_s" in timeout:
        return (
            f"answered at {timeout['answer_after_s']:.1f} s, the query ran on "
            f"{timeout['runs_on_s']:.1f} s ({timeout['cpu_s']:.1f} CPU s){meanwhile}"
        )
    return (
        f"killed at {timeout['answer_after_s']:.1f} s, replacement ready in "
        f"{timeout['replacement_ready_s']:.2f} s{meanwhile}"
    )


def alternating_table(entry: dict[str, Any]) -> list[str]:
    both = entry["layouts"].get("alternating", {}).get("alternating")
    if not both:
        return []
    out = [
        "| request | runs | in memory: median | p99 | on disk: median | p99 | disk / memory |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("lookup", *QUERY_ORDER):
        mem, disk = both["memory"].get(name), both["disk"].get(name)
        if not mem or not disk:
            continue
        ratio = disk["median_ms"] / mem["median_ms"] if mem["median_ms"] else None
        out.append(
            f"| {name} | {mem['n']} | {_ms(mem['median_ms'])} | {_ms(mem['p99_ms'])} | "
            f"{_ms(disk['median_ms'])} | {_ms(disk['p99_ms'])} | "
            + (f"{ratio:.1f}×" if ratio else "–")
            + " |"
        )
    return out


def first_run_table(entry: dict[str, Any]) -> list[str]:
    out = [
        "| layout | pass | lookup p50 | " + " | ".join(QUERY_ORDER) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in QUERY_ORDER) + " |",
    ]
    for layout, measured in entry["layouts"].items():
        for index, one in enumerate(measured.get("latency") or []):
            cells = [_ms(one.get(q, {}).get("first_ms")) for q in QUERY_ORDER]
            out.append(
                f"| {layout} | {index + 1} | {_ms(one.get('lookup', {}).get('median_ms'))} | "
                + " | ".join(cells)
                + " |"
            )
    return out


def roles_table(entry: dict[str, Any]) -> list[str]:
    out = [
        "| layout | checkpoint | role | processes | PSS (GB) | private dirty (GB) |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for layout, measured in entry["layouts"].items():
        checkpoints = list(measured.get("checkpoints", {}).items())
        for name, shot in (
            checkpoints[:1] + checkpoints[-1:] if len(checkpoints) > 1 else checkpoints
        ):
            for role, values in shot.get("by_role", {}).items():
                out.append(
                    f"| {layout} | {name} | {role} | {values['count']} | {_gb(values['Pss'])} | "
                    f"{_gb(values['Private_Dirty'])} |"
                )
    return out


def fork_read_table(entry: dict[str, Any]) -> list[str]:
    steps = entry["layouts"].get("fork-read", {}).get("child_steps")
    if not steps:
        return []
    out = [
        "| the forked child does | ms | page faults | child's private dirty after (MB) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for step in steps:
        out.append(
            f"| {step['step']} | {_ms(step['ms'])} | {step['page_faults']:,} | "
            f"{step['private_dirty_kb'] / 1024:,.0f} |"
        )
    return out


SERVERS = ("server", "server-disk")


def server_table(entry: dict[str, Any]) -> list[str]:
    """The real servers side by side: memory against the baseline, pages, lookups, the mix."""
    reference = baseline_peak_kb(entry)
    rows = []
    for layout in SERVERS:
        measured = entry["layouts"].get(layout)
        if not measured or "latency_http" not in measured:
            continue
        lat = measured["latency_http"]
        warm = measured.get("checkpoints", {}).get("warm", {}).get("pss_kb")
        peak = measured.get("peak_pss_kb")
        ratio = f"**{peak / reference:.2f}×**" if peak and reference else "–"
        cache = measured.get("checkpoints", {}).get("after throughput", {})
        cache_kb = cache.get("store_page_cache_kb")
        with_cache = (
            f"{(peak + cache_kb) / reference:.2f}×" if peak and reference and cache_kb else "–"
        )
        page, lookup = lat.get("page", {}), lat.get("lookup", {})
        queries = " / ".join(_ms(lat.get(name, {}).get("median_ms")) for name in QUERY_ORDER)
        rate = measured.get("throughput_http", {})
        rows.append(
            f"| {layout} | {measured.get('startup_seconds')} | {_gb(warm)} | {_gb(peak)} | "
            f"{ratio} | {with_cache} | {_ms(page.get('median_ms'))} / {_ms(page.get('p99_ms'))} | "
            f"{_ms(lookup.get('median_ms'))} / {_ms(lookup.get('p99_ms'))} | {queries} | "
            f"{rate.get('rps', 0):.2f} ({rate.get('errors', 0)} errors) |"
        )
    if not rows:
        return []
    return [
        "**The real server over HTTP** (PSS of every process; ms, p50 / p99 for pages and "
        "lookups, medians for the queries in the order " + ", ".join(QUERY_ORDER) + ")",
        "",
        "| server | answers after (s) | PSS warm (GB) | peak PSS (GB) | / baseline peak RSS | "
        "(peak PSS + store files in page cache) / baseline | page p50 / p99 | "
        "lookup p50 / p99 | queries (median) | mix req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    c = results["config"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    out = [
        f"# Memory per process layout, run {results['date']}",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}",
        f"- Python {m['python']}; {packages}",
        f"- {c['workers']} workers × {c['executors']} executors where a layout has them; "
        f"{c['runs']} runs per query, {c['lookups']} lookups per pass, throughput phases of "
        f"{c['throughput_seconds']} s; PSS and RSS summed over the layout's processes from "
        f"/proc/<pid>/smaps_rollup, sampled every {c['interval']} s and at each checkpoint"
        + (" — **quick mode: a smoke run, not a measurement**" if c.get("quick") else ""),
        "",
        "Layouts: "
        + "; ".join(f"**{k}**: {v}" for k, v in WHERE.items() if k in c["layouts"])
        + ".",
        "",
    ]
    for entry in results["sizes"]:
        store = entry.get("disk_store", {})
        out += [
            f"## {entry['programmes']:,} programmes ({entry['quads']:,} quads)",
            "",
            f"N-Quads file {entry['nquads_bytes'] / 1e9:.2f} GB; on-disk store "
            f"{store.get('bytes', 0) / 1e9:.2f} GB, built in {store.get('build_seconds', '–')} s.",
            "",
            "**Memory** (GB; PSS counts a shared page once, split between its processes; the "
            "page cache of the on-disk store's files belongs to no process and is listed apart)",
            "",
            *memory_table(results, entry),
            "",
            "**Latency** (ms; medians of the last pass, lookups over every sample programme)",
            "",
            *latency_table(entry),
            "",
            "**First run of each query in each pass** (ms; pass 1 is the first thing the "
            "layout does after warming)",
            "",
            *first_run_table(entry),
            "",
        ]
        alternating = alternating_table(entry)
        if alternating:
            out += [
                "**In memory against on disk, request by request** (alternating; ms)",
                "",
                *alternating,
                "",
            ]
        fork = fork_read_table(entry)
        if fork:
            out += ["**What a forked child copies by reading** (fork-read)", "", *fork, ""]
        server = server_table(entry)
        if server:
            out += [*server, ""]
        out += ["**By role**", "", *roles_table(entry), ""]
        loads = [
            f"{layout} {v.get('load_average_before', ['?'])[0]}→"
            f"{v.get('load_average_after', ['?'])[0]}"
            for layout, v in entry["layouts"].items()
            if "load_average_before" in v
        ]
        if loads:
            out += ["Load average (1 min) before→after each layout: " + ", ".join(loads), ""]
    return "\n".join(out)
