"""Turn measurements into the result JSON and the Markdown table.

Ratios are Rulecraft's MB/s divided by the other engine's: above 1 Rulecraft is faster.
Agreement compares per (document, rule) match counts on the documents and rules both engines
ran: the sum of the smaller count over the sum of the larger (1.0 = the same matches counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from .workload import rule_specs

PREFILTER_ENGINES = frozenset({"hyperscan"})
Cells = dict[tuple[int, str], int]


@dataclass(frozen=True)
class ConfigResult:
    """The outcomes of every engine on one rule count x gazetteer size."""

    rules: int
    places: int
    entries: int
    outcomes: dict[str, dict]


def build_report(settings: dict, machine: dict, configs: Iterable[ConfigResult],
                 seconds: float, load_before: list[float] | None = None) -> dict:
    """The JSON document of a run (`machine` taken at its end, `load_before` at its start)."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(seconds, 1),
        "load_before": load_before,
        "settings": settings,
        "machine": machine,
        "configs": [_config(c, settings["seed"]) for c in configs],
    }


def _config(config: ConfigResult, seed: int) -> dict:
    rulecraft = config.outcomes["rulecraft"]
    engines = {}
    for name, outcome in config.outcomes.items():
        entry = {k: v for k, v in outcome.items() if k != "counts"}
        if name != "rulecraft" and outcome.get("status") == "ok":
            entry["agreement"] = agreement(rulecraft, outcome, config.rules, seed,
                                           prefilter=name in PREFILTER_ENGINES)
        engines[name] = entry
    return {"rules": config.rules, "places": config.places, "place_entries": config.entries,
            "engines": engines}


def cells(outcome: dict, docs: int, rules: set[str]) -> Cells:
    """The (doc, rule) -> count cells of an outcome, limited to some docs and rules."""
    return {(doc, rule): n for doc, rule, n in outcome.get("counts", [])
            if doc < docs and rule in rules}


def agreement(rulecraft: dict, peer: dict, rule_count: int, seed: int,
              prefilter: bool = False) -> dict:
    """How far a peer's counts agree with Rulecraft's on what both ran."""
    docs = min(rulecraft.get("recorded_docs", 0), peer.get("recorded_docs", 0))
    shared = peer.get("rules_compiled") or rule_count
    names = {spec.name for spec in rule_specs(rule_count, seed)[:shared]}
    ours, theirs = cells(rulecraft, docs, names), cells(peer, docs, names)
    out = {"docs": docs, "rules": len(names), "rulecraft_matches": sum(ours.values()),
           "peer_matches": sum(theirs.values())}
    if prefilter:
        covered = sum(1 for key in ours if key in theirs)
        out["covers"] = covered / len(ours) if ours else None
    else:
        out["agreement"] = _overlap(ours, theirs)
    return out


def _overlap(ours: Cells, theirs: Cells) -> float | None:
    keys = ours.keys() | theirs.keys()
    larger = sum(max(ours.get(k, 0), theirs.get(k, 0)) for k in keys)
    smaller = sum(min(ours.get(k, 0), theirs.get(k, 0)) for k in keys)
    return smaller / larger if larger else None


# ---- Markdown --------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    """The run as Markdown: machine, summary per configuration, detail per engine."""
    parts = [_header(report), _summary(report), _detail(report), _notes(report)]
    return "\n\n".join(parts) + "\n"


def _header(report: dict) -> str:
    m, s = report["machine"], report["settings"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    return "\n".join([
        f"# Rulecraft benchmark ({s['mode']}, {report['created']})", "",
        f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB; Python {m['python']}; "
        f"{m['platform']}; commit {m['commit']}; load average before/after "
        f"{_load(report.get('load_before'))} / {_load(m.get('load_average'))}.",
        f"Packages: {packages}.",
        f"Text: FA-KES dev articles repeated to {s['megabytes']:g} MB; median of {s['runs']} "
        f"runs after a warm-up; Rulecraft runs capped at {_cap(s['run_seconds'])}, peers at "
        f"{_cap(s['peer_seconds'])} (on a prefix of the text); whole run "
        f"{report['wall_seconds']:.0f} s."])


def _load(values: list[float] | None) -> str:
    return "-" if not values else " ".join(f"{v:.1f}" for v in values)


def _cap(seconds: float | None) -> str:
    return "the whole text" if seconds is None else f"{seconds:g} s a run"


SUMMARY_HEAD = ("| rules | places | Rulecraft MB/s | docs/s | jobs N MB/s (speed-up) | fast MB/s "
                "| compile cold s | compile cached s | peak MB | vs naive | vs spaCy | "
                "vs hyperscan |\n"
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def _summary(report: dict) -> str:
    rows = [SUMMARY_HEAD]
    for config in report["configs"]:
        rows.append(_summary_row(config))
    return "## Summary (Rulecraft; vs X = Rulecraft MB/s / X MB/s)\n\n" + "\n".join(rows)


def _summary_row(config: dict) -> str:
    engines = config["engines"]
    rc = engines["rulecraft"]
    one, many = _runs(rc, 1), _runs(rc, None)
    speedup = (f"{sig(many['mb_per_s'])} ({many['mb_per_s'] / one['mb_per_s']:.2f}x)"
               if one and many else "-")
    fast = engines.get("rulecraft-fast")
    fast_cell = (_num(_runs(fast, 1), "mb_per_s") if fast and fast.get("status") == "ok"
                 else (fast or {}).get("status", "-"))
    cells = [f"{config['rules']:,}", f"{config['places']:,}",
             _num(one, "mb_per_s"), _num(one, "docs_per_s"), speedup, fast_cell,
             _fmt(rc.get("compile_seconds")), _cached(rc), _fmt(rc.get("peak_rss_mb"), 0)]
    cells += [_ratio(one, engines.get(name)) for name in ("naive", "spacy", "hyperscan")]
    return "| " + " | ".join(cells) + " |"


def _runs(outcome: dict, jobs: int | None) -> dict | None:
    """The throughput entry with `jobs` workers (None: the parallel one, jobs > 1)."""
    for entry in outcome.get("throughput", []):
        if (entry["jobs"] == jobs) if jobs is not None else entry["jobs"] > 1:
            return entry
    return None


def _cached(outcome: dict) -> str:
    cached = outcome.get("cached") or {}
    if cached.get("status") == "ok":
        return _fmt(cached.get("compile_seconds"))
    return "n/a" if cached.get("status") == "n/a" else cached.get("status", "-")


def _ratio(ours: dict | None, peer: dict | None) -> str:
    if peer is None:
        return "-"
    if peer.get("status") != "ok":
        return peer.get("status", "-")
    theirs = _runs(peer, 1)
    if not ours or not theirs:
        return "-"
    mark = "*" if _extrapolated(peer, theirs) else ""
    return ratio(ours["mb_per_s"], theirs["mb_per_s"]) + mark


def _extrapolated(outcome: dict, entry: dict) -> bool:
    return entry.get("scale", 1.0) > 1.0


DETAIL_HEAD = ("| rules | places | engine | compile s | MB/s | docs/s | measured on | peak MB "
               "(engine) | matches/MB | agreement | Rulecraft / engine |\n"
               "|---:|---:|---|---:|---:|---:|---|---:|---:|---|---:|")


def _detail(report: dict) -> str:
    rows = [DETAIL_HEAD]
    for config in report["configs"]:
        rc = _runs(config["engines"]["rulecraft"], 1)
        for name, outcome in config["engines"].items():
            rows.extend(_detail_rows(config, name, outcome, rc))
    return "## Detail\n\n" + "\n".join(rows)


def _detail_rows(config: dict, name: str, outcome: dict, rc: dict | None) -> list[str]:
    head = [f"{config['rules']:,}", f"{config['places']:,}"]
    if outcome.get("status") != "ok":
        reason = (outcome.get("reason") or "").replace("|", "/")
        return ["| " + " | ".join(head + [name, outcome.get("status", "-"), reason] +
                                  ["" for _ in range(6)]) + " |"]
    return ["| " + " | ".join(head + _engine_cells(name, outcome, entry, rc)) + " |"
            for entry in outcome.get("throughput", [])]


def _engine_cells(name: str, outcome: dict, entry: dict, rc: dict | None) -> list[str]:
    label = name if entry["jobs"] == 1 else f"{name} --jobs {entry['jobs']}"
    measured = f"{sig(entry['bytes'] / 1e6)} MB, {entry['docs']:,} docs"
    if entry.get("scale", 1.0) > 1.0:
        measured += (f"; {outcome['rules_compiled']:,}/{outcome['rules_total']:,} rules, "
                     f"times x{sig(entry['scale'])}")
    peak = outcome["peak_rss_mb"]
    memory = f"{peak:.0f} ({peak - outcome['baseline_rss_mb']:.0f})"
    versus = (ratio(rc["mb_per_s"], entry["mb_per_s"]) if rc and name != "rulecraft" else "")
    return [label, _fmt(outcome.get("compile_seconds")), _num(entry, "mb_per_s"),
            _num(entry, "docs_per_s"), measured, memory,
            sig(entry["matches"] / (entry["bytes"] / 1e6)) if entry["bytes"] else "-",
            _agreement(outcome.get("agreement")), versus]


def _agreement(info: dict | None) -> str:
    if not info:
        return ""
    scope = f"{info['docs']} docs x {info['rules']:,} rules"
    if "covers" in info:
        covers = info["covers"]
        return f"prefilter covers {covers:.0%} ({scope})" if covers is not None else "-"
    value = info["agreement"]
    counts = f"{info['rulecraft_matches']} vs {info['peer_matches']}"
    return (f"{value:.0%}: {counts} ({scope})" if value is not None
            else f"no matches ({scope})")


def _notes(report: dict) -> str:
    return "\n".join([
        "Notes: MB = 10^6 bytes of UTF-8 text. `*` and 'times x' mark peers whose compile "
        "would exceed the cap: they compile a prefix of the rules and their times are scaled "
        "up by rules total / rules compiled. Peak MB is the measuring process's ru_maxrss; "
        "(engine) is that minus the peak before compiling. 'matches/MB' counts matches in the "
        "first timed run; hyperscan counts (doc, rule) pairs that may match (a prefilter)."])


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if value < 100 or digits == 0 else f"{value:.0f}"


def _num(entry: dict | None, key: str) -> str:
    return "-" if not entry else sig(entry[key])


def sig(value: float) -> str:
    """A measurement for a table: three significant digits, no exponent, thousands grouped."""
    if value >= 100:
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    return f"{value:.3g}" if value >= 0.001 else f"{value:.1e}"


def ratio(ours: float, theirs: float) -> str:
    """Rulecraft's speed over another's, as '12x' or '0.05x'."""
    value = ours / theirs
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2g}x"
