"""The performance targets of the `simulate` benchmark, checked against measured rows."""

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from .._setup import POOL_NAMES, FeePath
from ._cases import POPULATION_VARIATIONS, Case, Factor, Row, row_key, size_ratio

#: The targets of the performance issue (2-core CPU, float64, 3 assets, 90-day bout).
TARGET_NO_FEE_GRAD_S = 0.030
TARGET_FEE_FORWARD_S = 0.150
TARGET_FEE_GRAD_S = 0.600
TARGET_PEAK_MB = 600.0
TARGET_NO_FEE_COMPILE_S = 1.5
#: Time grows linearly: time ratio / size ratio within these bounds.
TARGET_LINEAR = (0.7, 1.3)


def linearity(
    rows: Sequence[Row], path: FeePath, vary: Factor, large: Case, small: Case
) -> dict[str, dict[str, float]]:
    """Per pool and function: (time ratio) / (size ratio) of the `large` and `small` cases.

    `large` and `small` name the setting; their `pool` is replaced by each pool in turn.
    """
    by_key = {row_key(row): row for row in rows}
    ratios: dict[str, dict[str, float]] = {"forward": {}, "grad": {}}
    for pool in POOL_NAMES:
        big = by_key.get(row_key(dataclasses.replace(large, pool=pool, path=path)))
        little = by_key.get(row_key(dataclasses.replace(small, pool=pool, path=path)))
        if big is None or little is None:
            continue
        unit = "members" if vary == "population" else "minutes"
        size = size_ratio(big, little, unit)
        for function in ("forward", "grad"):
            key = f"{function}_median_s"
            ratios[function][pool] = big[key] / little[key] / size
    return ratios


def target_checks(
    rows: Sequence[Row], base_days: int, long_days: int, population_days: int
) -> list[dict[str, Any]]:
    """Each target against the worst case over the pools (base cases, median times).

    Linearity compares the `long_days` bout with the base bout, and the largest population
    with the smallest (on a `population_days` bout), on the no-fee path. Targets whose cases
    were not measured are left out.
    """
    base = [row for row in rows if row["vary"] == "base"]
    checks: list[dict[str, Any]] = []

    def add(name: str, path: FeePath | None, key: str, scale: float, limit: float) -> None:
        values = [float(row[key]) for row in base if path is None or row["path"] == path]
        if values:
            measured = scale * max(values)
            checks.append({"target": name, "measured": measured, "limit": limit})

    add("no-fee value-and-grad (ms)", "no-fee", "grad_median_s", 1e3, 1e3 * TARGET_NO_FEE_GRAD_S)
    add("fee forward (ms)", "fee", "forward_median_s", 1e3, 1e3 * TARGET_FEE_FORWARD_S)
    add("fee value-and-grad (ms)", "fee", "grad_median_s", 1e3, 1e3 * TARGET_FEE_GRAD_S)
    add("peak memory, any base case (MB)", None, "peak_rss_kib", 1024 / 1e6, TARGET_PEAK_MB)
    add(
        "no-fee compile, value-and-grad (s)", "no-fee", "compile_grad_s", 1, TARGET_NO_FEE_COMPILE_S
    )
    add("no-fee compile, forward (s)", "no-fee", "compile_forward_s", 1, TARGET_NO_FEE_COMPILE_S)

    small_pop, large_pop = POPULATION_VARIATIONS[0], POPULATION_VARIATIONS[-1]
    setting = Case(pool=POOL_NAMES[0], path="no-fee", days=base_days)
    comparisons: tuple[tuple[str, Factor, Case, Case], ...] = (
        (
            f"{long_days} d / {base_days} d",
            "days",
            dataclasses.replace(setting, days=long_days),
            setting,
        ),
        (
            f"pop {large_pop} / pop {small_pop}",
            "population",
            dataclasses.replace(setting, population=large_pop, days=population_days),
            dataclasses.replace(setting, population=small_pop, days=population_days),
        ),
    )
    for name, vary, large, small in comparisons:
        ratios = linearity(rows, "no-fee", vary, large, small)
        for function, label in (("forward", "fwd"), ("grad", "v&g")):
            per_pool = ratios[function]
            if per_pool:  # the worst pool: the ratio farthest from 1
                worst = max(per_pool.values(), key=lambda ratio: abs(math.log(ratio)))
                checks.append(
                    {
                        "target": f"linear time, no-fee {label}, {name} (time ratio / size ratio)",
                        "measured": worst,
                        "limit": list(TARGET_LINEAR),
                        "per_pool": per_pool,
                    }
                )
    for check in checks:
        limit = check["limit"]
        measured = check["measured"]
        check["met"] = (
            limit[0] <= measured <= limit[1] if isinstance(limit, list) else measured <= limit
        )
    return checks


def number(value: float) -> str:
    """A measurement for the targets table: two decimals below 10, else one."""
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def targets_table(checks: Sequence[dict[str, Any]]) -> str:
    """The target checks as a Markdown table."""
    lines = ["| target | measured | limit | met |", "|---|---:|---:|---|"]
    for check in checks:
        limit = check["limit"]
        limit_text = f"{limit[0]:g}–{limit[1]:g}" if isinstance(limit, list) else f"{limit:g}"
        lines.append(
            f"| {check['target']} | {number(check['measured'])} | {limit_text} "
            f"| {'yes' if check['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
