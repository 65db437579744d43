"""The Markdown report of the `simulate` benchmark: its tables and the results file."""

import dataclasses
from collections.abc import Sequence
from typing import Any

from .. import _harness as harness
from .._harness import mb
from .._setup import (
    BURN_IN_DAYS,
    CHUNK_PERIOD,
    FEES,
    MINUTES_PER_DAY,
    N_ASSETS,
    OBJECTIVE_NAME,
    PATHS,
    FeePath,
)
from ._cases import (
    ASSETS_VARIATIONS,
    BASE_DTYPE,
    POPULATION_VARIATIONS,
    Row,
    reference_case,
    row_case,
    row_key,
    size_ratio,
)
from ._targets import targets_table

STAGE_NAMES = (
    "prices built",
    "forward compiled",
    "forward run",
    "value-and-grad compiled",
    "value-and-grad run",
)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a tenth."""
    return f"{1e3 * seconds:,.1f}"


def runs_text(row: Row) -> str:
    """The number of timed runs, forward / value-and-grad."""
    return f"{row['forward_runs']}/{row['grad_runs']}"


def base_table(rows: Sequence[Row]) -> str:
    """The base cases: compile and run times."""
    lines = [
        "| pool | path | compile fwd (s) | compile v&g (s) | fwd, median (ms) | fwd, min (ms) "
        "| v&g, median (ms) | v&g, min (ms) | fwd per minute (ns) | v&g per minute (ns) "
        "| runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["vary"] != "base":
            continue
        lines.append(
            f"| {row['pool']} | {row['path']} | {row['compile_forward_s']:.2f} "
            f"| {row['compile_grad_s']:.2f} | {ms(row['forward_median_s'])} "
            f"| {ms(row['forward_min_s'])} | {ms(row['grad_median_s'])} "
            f"| {ms(row['grad_min_s'])} "
            f"| {1e9 * row['forward_median_s'] / row['minutes']:,.0f} "
            f"| {1e9 * row['grad_median_s'] / row['minutes']:,.0f} | {runs_text(row)} |"
        )
    return "\n".join(lines) + "\n"


def scaling_table(rows: Sequence[Row], path: FeePath, base_days: int) -> str:
    """Time per minute-step and member of every float64 case of `path`, and the ratios.

    Each variation is compared with its reference: the base case, or for a population the
    single pool on the same bout. `4.05x time for 4.06x minutes` reads: the median time is
    4.05 times the reference's, for a bout 4.06 times as long.
    """
    by_key = {row_key(row): row for row in rows}
    lines = [
        "| pool | case | fwd (ms) | v&g (ms) | fwd per minute·member (ns) "
        "| v&g per minute·member (ns) | fwd vs reference | v&g vs reference | runs |",
        "|---|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for row in rows:
        if row["path"] != path or row["dtype"] != BASE_DTYPE:
            continue
        work = row["minutes"] * row["population"]
        reference = reference_case(row, base_days)
        versus = ["(reference)"] * 2 if row["vary"] == "base" else ["-"] * 2
        if reference is not None and row_key(reference[0]) in by_key:
            ref_row, unit = by_key[row_key(reference[0])], reference[1]
            size = size_ratio(row, ref_row, unit)
            suffix = "" if ref_row["vary"] == "base" else f" (vs {ref_row['label']})"
            versus = [
                f"{row[key] / ref_row[key]:.2f}x time for {size:.2f}x {unit}{suffix}"
                for key in ("forward_median_s", "grad_median_s")
            ]
        lines.append(
            f"| {row['pool']} | {row['label']} | {ms(row['forward_median_s'])} "
            f"| {ms(row['grad_median_s'])} | {1e9 * row['forward_median_s'] / work:,.1f} "
            f"| {1e9 * row['grad_median_s'] / work:,.1f} | {versus[0]} | {versus[1]} "
            f"| {runs_text(row)} |"
        )
    return "\n".join(lines) + "\n"


def precision_table(rows: Sequence[Row]) -> str:
    """float32 against float64 (each float32 case next to its float64 base case)."""
    by_key = {row_key(row): row for row in rows}
    lines = [
        "| pool | path | compile fwd f64 / f32 (s) | compile v&g f64 / f32 (s) "
        "| fwd f64 (ms) | fwd f32 (ms) | f32 / f64 | v&g f64 (ms) | v&g f32 (ms) | f32 / f64 "
        "| objective f64 | objective f32 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["dtype"] == BASE_DTYPE or row["vary"] != "dtype":
            continue
        key = row_key(dataclasses.replace(row_case(row), dtype=BASE_DTYPE))
        if key not in by_key:
            continue
        f64 = by_key[key]
        lines.append(
            f"| {row['pool']} | {row['path']} "
            f"| {f64['compile_forward_s']:.2f} / {row['compile_forward_s']:.2f} "
            f"| {f64['compile_grad_s']:.2f} / {row['compile_grad_s']:.2f} "
            f"| {ms(f64['forward_median_s'])} | {ms(row['forward_median_s'])} "
            f"| {row['forward_median_s'] / f64['forward_median_s']:.2f} "
            f"| {ms(f64['grad_median_s'])} | {ms(row['grad_median_s'])} "
            f"| {row['grad_median_s'] / f64['grad_median_s']:.2f} "
            f"| {f64['objective']:.6g} | {row['objective']:.6g} |"
        )
    return "\n".join(lines) + "\n"


def memory_table(rows: Sequence[Row], baseline_kib: int) -> str:
    """Peak RSS of every case, and the peak so far after each stage (MB)."""
    lines = [
        "| pool | path | case | peak RSS | above baseline | prices built | fwd compiled "
        "| fwd run | v&g compiled | v&g run |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        stages = row["rss_stages_kib"]
        staged = " | ".join(f"{mb(stages[name]):,.0f}" for name in STAGE_NAMES)
        lines.append(
            f"| {row['pool']} | {row['path']} | {row['label']} | {mb(row['peak_rss_kib']):,.0f} "
            f"| {mb(row['peak_rss_kib'] - baseline_kib):,.0f} | {staged} |"
        )
    return "\n".join(lines) + "\n"


def setup_lines(report: dict[str, Any]) -> str:
    """The Markdown list of the run's setting, after the machine header."""
    base_days = report["base_days"]
    return (
        f"- The run took {report['wall_s'] / 60:.1f} min; float32 cases run in float32\n"
        f"- Base case: {BASE_DTYPE}, {N_ASSETS} assets, a {base_days}-day bout (`bout_length` "
        f"{base_days * MINUTES_PER_DAY:,}) after a {BURN_IN_DAYS}-day burn-in, one parameter "
        f"set; chunk period {CHUNK_PERIOD}; fee path `fees={FEES}`.\n"
        f"- Timed: `quantamm_eqx.simulate(...).values` (forward) and "
        f'`eqx.filter_value_and_grad` of `quantamm_eqx.metrics.OBJECTIVES["{OBJECTIVE_NAME}"]` '
        "of the `Simulation` (the objective `fit` takes by default), with respect to the pool.\n"
        f"- Variations, one factor at a time: bouts of "
        f"{', '.join(str(days) for days in report['days_variations'])} days; "
        f"{', '.join(map(str, ASSETS_VARIATIONS))} assets; populations of "
        f"{', '.join(map(str, POPULATION_VARIATIONS))} (a stacked pool under "
        f"`eqx.filter_vmap`; objective: the sum of the members' objectives), on a "
        f"{report['population_days']['no-fee']}-day bout for the no-fee path and a "
        f"{report['population_days']['fee']}-day bout for the fee path; float32.\n"
        f"- Median and minimum of {report['runs']} runs after a warm-up call "
        f"({report['slow_runs']} runs where the warm-up took more than "
        f"{report['slow_warmup_s']:g} s; `runs` is forward/value-and-grad); each case in its "
        "own process.\n"
    )


def markdown_report(report: dict[str, Any]) -> str:
    """The Markdown results file: heading, machine, date, setup, tables, targets."""
    rows = report["rows"]
    base_days = report["base_days"]
    text = (
        "# `simulate` benchmark\n\n"
        + harness.header_lines(report["machine"], report["date"])
        + setup_lines(report)
    )
    if report["quick"]:
        text += "- A `--quick` run: bouts scaled by 10/90; the targets do not apply.\n"
    if report["selection"]["filters"]:
        text += f"- Filters: {report['selection']['filters']}\n"
    text += "\n## Base cases\n\n" + base_table(rows)
    for path in PATHS:
        if any(row["path"] == path for row in rows):
            text += (
                f"\n## Scaling, {path} path ({BASE_DTYPE})\n\n"
                "Time per simulated minute and member; each variation against its reference "
                "(the base case; for a population, the single pool on the same bout): "
                "`4.05x time for 4.06x minutes` reads: the median time is 4.05 times the "
                "reference's, for a bout 4.06 times as long.\n\n"
                + scaling_table(rows, path, base_days)
            )
    if any(row["vary"] == "dtype" for row in rows):
        text += "\n## float32 against float64\n\n" + precision_table(rows)
    text += (
        f"\n## Peak resident memory\n\nMB = 10^6 bytes; baseline process: "
        f"{mb(report['baseline_rss_kib']):.0f} MB. The peak so far after each stage of the "
        "case:\n\n" + memory_table(rows, report["baseline_rss_kib"])
    )
    text += "\n## Against the targets\n\nWorst pool; base cases, median times.\n\n"
    if report["quick"]:
        text += "(A `--quick` run: the targets are for a 90-day bout and do not apply.)\n\n"
    text += targets_table(report["targets"])
    if report["failures"]:
        text += "\n## Failed cases\n\n" + "".join(
            f"- `{failure['case']}`: {failure['error']}\n" for failure in report["failures"]
        )
    return text


def progress_line(index: int, total: int, row: Row, elapsed: float) -> str:
    """One line per measured case."""
    return (
        f"  [{index:>2}/{total}] {row['pool']:>22} {row['path']:>6} {row['label']:<18}: "
        f"compile {row['compile_forward_s']:5.2f} + {row['compile_grad_s']:5.2f} s, "
        f"fwd {1e3 * row['forward_median_s']:9.1f} ms, v&g {1e3 * row['grad_median_s']:9.1f} "
        f"ms ({runs_text(row)} runs), peak {mb(row['peak_rss_kib']):,.0f} MB; "
        f"{elapsed:,.0f} s so far"
    )
