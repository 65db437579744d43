"""The cases of the `simulate` benchmark: the sweep, its selection, and each row's case."""

import dataclasses
from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from .._setup import (
    FULL_BOUT_DAYS,
    MIN_BOUT_DAYS,
    N_ASSETS,
    PATHS,
    POOL_NAMES,
    FeePath,
    pool_key,
    scaled_days,
)

DType = Literal["float32", "float64"]
Factor = Literal["base", "days", "assets", "population", "dtype"]
DTYPES: tuple[DType, ...] = ("float32", "float64")
FACTORS: tuple[Factor, ...] = ("base", "days", "assets", "population", "dtype")
BASE_DTYPE: DType = "float64"
#: The one-factor-at-a-time variations of the sweep, from the base case.
DAYS_VARIATIONS = (30, 365)
ASSETS_VARIATIONS = (2, 5, 8)
POPULATION_VARIATIONS = (16, 128)
DTYPE_VARIATIONS: tuple[DType, ...] = ("float32",)
#: The fee path's population cases run on a bout this long (days; `--fee-population-days`).
FEE_POPULATION_DAYS = 30
FILTER_KEYS = ("pool", "path", "days", "assets", "population", "dtype", "vary")


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement's setting: a pool type on a path, bout, assets, population, dtype."""

    pool: str
    path: FeePath
    days: int
    assets: int = N_ASSETS
    population: int = 1
    dtype: DType = BASE_DTYPE

    def spec(self) -> str:
        """The `--case` text: `POOL:PATH:days=D,assets=A,population=P,dtype=T`."""
        return (
            f"{self.pool}:{self.path}:days={self.days},assets={self.assets},"
            f"population={self.population},dtype={self.dtype}"
        )

    @classmethod
    def parse(cls, text: str, default_days: int) -> "Case":
        """The case of a `--case` text; settings left out take the base case's values."""
        pool, _, rest = text.partition(":")
        path, _, settings = rest.partition(":")
        if path not in PATHS:
            raise ValueError(f"expected POOL:PATH with PATH in {PATHS}")
        values: dict[str, Any] = {"days": default_days}
        for item in filter(None, settings.split(",")):
            key, _, value = item.partition("=")
            if key in ("days", "assets", "population"):
                values[key] = int(value)
            elif key == "dtype" and value in DTYPES:
                values[key] = value
            else:
                raise ValueError(f"unknown setting {item!r}")
        case = cls(pool=pool_key(pool), path=path, **values)  # type: ignore[arg-type]
        if case.days < MIN_BOUT_DAYS or case.assets < 2 or case.population < 1:
            raise ValueError(f"need days >= {MIN_BOUT_DAYS}, assets >= 2 and population >= 1")
        return case


class Row(TypedDict):
    """One case, measured in its own process (times in s, memory in KiB)."""

    case: str
    pool: str
    path: FeePath
    days: int
    n_assets: int
    population: int
    dtype: DType
    vary: Factor
    label: str
    bout_length: int
    minutes: int
    fees: float
    objective_name: str
    compile_forward_s: float
    compile_grad_s: float
    forward_warmup_s: float
    forward_median_s: float
    forward_min_s: float
    forward_runs: int
    grad_warmup_s: float
    grad_median_s: float
    grad_min_s: float
    grad_runs: int
    objective: float
    peak_rss_kib: int
    rss_stages_kib: dict[str, int]
    machine: dict[str, Any]
    date: str


def varied(case: Case, base_days: int) -> Factor:
    """The factor a sweep case varies from the base (population before the bout it runs on)."""
    if case.population != 1:
        return "population"
    if case.days != base_days:
        return "days"
    if case.assets != N_ASSETS:
        return "assets"
    if case.dtype != BASE_DTYPE:
        return "dtype"
    return "base"


def case_label(case: Case, base_days: int) -> str:
    """A short name for a case: what differs from the base case (`base` if nothing)."""
    parts = []
    if case.population != 1:
        parts.append(f"pop {case.population}")
    if case.days != base_days:
        parts.append(f"{case.days} d")
    if case.assets != N_ASSETS:
        parts.append(f"{case.assets} assets")
    if case.dtype != BASE_DTYPE:
        parts.append(case.dtype)
    return ", ".join(parts) or "base"


def sweep_cases(quick: bool, fee_population_days: int) -> list[Case]:
    """Every pool and path: the base case, then one factor at a time."""
    base_days = scaled_days(FULL_BOUT_DAYS, quick)
    day_variations = [scaled_days(days, quick) for days in DAYS_VARIATIONS]
    cases = []
    for pool in POOL_NAMES:
        for path in PATHS:
            base = Case(pool=pool, path=path, days=base_days)
            population_days = (
                scaled_days(fee_population_days, quick) if path == "fee" else base_days
            )
            cases.append(base)
            cases += [dataclasses.replace(base, days=days) for days in day_variations]
            if population_days not in (base_days, *day_variations):  # the populations' reference
                cases.append(dataclasses.replace(base, days=population_days))
            cases += [dataclasses.replace(base, assets=n) for n in ASSETS_VARIATIONS]
            cases += [
                dataclasses.replace(base, population=n, days=population_days)
                for n in POPULATION_VARIATIONS
            ]
            cases += [dataclasses.replace(base, dtype=dtype) for dtype in DTYPE_VARIATIONS]
    return cases


def parse_filters(filters: Iterable[str]) -> dict[str, set[str]]:
    """`--filter KEY=V1,V2` options as {key: allowed values} (repeated keys intersect).

    Pool names may be the registry's or their aliases (`anti-momentum`, `channel`).
    """
    selected: dict[str, set[str]] = {}
    for text in filters:
        key, sep, values = text.partition("=")
        if not sep or key not in FILTER_KEYS or not values:
            raise SystemExit(
                f"--filter expects KEY=VALUE[,VALUE] with KEY in {FILTER_KEYS}; got {text!r}"
            )
        allowed = set(values.split(","))
        if key == "pool":
            try:
                allowed = {pool_key(name) for name in allowed}
            except ValueError as error:
                raise SystemExit(f"--filter {text!r}: {error}") from None
        selected[key] = selected[key] & allowed if key in selected else allowed
    return selected


def matches(case: Case, filters: dict[str, set[str]], base_days: int) -> bool:
    """Whether `case` passes every filter."""
    fields = dataclasses.asdict(case) | {"vary": varied(case, base_days)}
    return all(str(fields[key]) in allowed for key, allowed in filters.items())


def row_key(row: Row | Case) -> tuple[Any, ...]:
    """What identifies a case among the rows."""
    if isinstance(row, Case):
        return (row.pool, row.path, row.days, row.assets, row.population, row.dtype)
    return (
        row["pool"],
        row["path"],
        row["days"],
        row["n_assets"],
        row["population"],
        row["dtype"],
    )


def row_case(row: Row) -> Case:
    """The case of a row."""
    return Case(
        pool=row["pool"],
        path=row["path"],
        days=row["days"],
        assets=row["n_assets"],
        population=row["population"],
        dtype=row["dtype"],
    )


def reference_case(row: Row, base_days: int) -> tuple[Case, str] | None:
    """The case a variation is compared with, and the unit of its size ratio."""
    case = row_case(row)
    if row["vary"] == "population":
        return dataclasses.replace(case, population=1), "members"
    if row["vary"] == "days":
        return dataclasses.replace(case, days=base_days), "minutes"
    if row["vary"] == "assets":
        return dataclasses.replace(case, assets=N_ASSETS), "assets"
    return None


def size_ratio(row: Row, reference: Row, unit: str) -> float:
    """How much larger a row's case is than its reference, in `unit`."""
    if unit == "members":
        return row["population"] / reference["population"]
    if unit == "minutes":
        return row["minutes"] / reference["minutes"]
    return row["n_assets"] / reference["n_assets"]
