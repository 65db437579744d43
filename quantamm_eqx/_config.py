"""`SimulationConfig`: the static, hashable settings of a pool simulation."""

import math
from collections.abc import Callable
from typing import Literal, TypeAlias

import equinox as eqx
import numpy as np

from ._validation import checked_choice, checked_instance
from .transforms._memory import max_lamb

Interpolation: TypeAlias = Literal["linear", "approx_optimal"]
_INTERPOLATIONS = ("linear", "approx_optimal")
Mode: TypeAlias = Literal["simulator", "protocol"]
_MODES = ("simulator", "protocol")
Arbitrage: TypeAlias = Literal["exact", "reference"]
_ARBITRAGE = ("exact", "reference")
WeightClip: TypeAlias = Literal["iterative", "reference"]
_WEIGHT_CLIPS = ("iterative", "reference")


def checked_mode(mode: object) -> Mode:
    """Return `mode` if it names an arithmetic (`"simulator"` or `"protocol"`), else raise."""
    return checked_choice(mode, "mode", _MODES)  # type: ignore[return-value]


def _to_float(value: object, name: str) -> float:
    try:
        if isinstance(value, bool | str):
            raise TypeError
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a number; got {value!r}.") from None


def _to_int(value: object, name: str) -> int:
    number = _to_float(value, name)
    if not number.is_integer():
        raise ValueError(f"`{name}` must be a whole number of minutes; got {value!r}.")
    return int(number)


def _to_optional_float(value: object, name: str) -> float | None:
    return None if value is None else _to_float(value, name)


def _to_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"`{name}` must be True or False; got {value!r}.")
    return bool(value)


def _to_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be a string; got {value!r}.")
    return value


def _setting(converter: Callable[[object, str], object], name: str, default: object):
    """A static field whose value is normalised to a plain Python type (errors name it)."""
    return eqx.field(static=True, converter=lambda value: converter(value, name), default=default)


class SimulationConfig(eqx.Module):
    """Settings of a pool simulation, fixed for a compiled run.

    Every field is static: the configuration is hashable, carries no arrays, and selects
    what is compiled (under `jax.jit` a change of configuration means a new compilation).
    Defaults are the reference simulator's defaults, except `weight_clip` (the floor holds)
    and `arbitrage` (exact, where the reference lets rounding decide).

    **Fields:**

    - `chunk_period`: minutes between rule updates; the rule sees `prices[::chunk_period]`.
    - `weight_interpolation_period`: minutes over which a new target weight is reached,
      at most `chunk_period`.
    - `maximum_change`: the largest change of any weight per minute (the speed limit), > 0.
    - `minimum_weight`: the smallest weight of any asset, in (0, 1); `None` means `0.1 / n_assets`
      (see [`minimum_weight_for`][quantamm_eqx.SimulationConfig.minimum_weight_for]).
    - `max_memory_days`: the memory cap in days; caps lambda and scales `k` (SPEC §1).
    - `interpolation`: `"linear"` or `"approx_optimal"` minute-weight interpolation.
    - `use_alt_lamb`: use the alternative lambda for the estimator's denominator average.
    - `use_pre_exp_scaling`: use the channel pool's `sp_pre_exp_scaling` (else 0.5).
    - `initial_pool_value`: the pool's value at the bout start, in the price numeraire.
    - `fees`: the swap fee, in [0, 1).
    - `gas_cost`: the arbitrageur's fixed cost per trade, in the numeraire, >= 0.
    - `arb_fees`: the arbitrageur's proportional cost, in [0, 1).
    - `noise_trader_ratio`: retail flow, as the reference models it: each arbitrage trade
      brings retail trades of `noise_trader_ratio` times its inbound value, whose swap fees
      (net of the protocol's share) the pool keeps; >= 0 (0: none).
    - `protocol_fee_split`: the protocol's share of the swap fees, in [0, 1].
    - `arb_frequency`: arbitrageurs trade every this many minutes (1: every minute).
    - `do_arb`: whether arbitrageurs trade at all (False: the reserves never move).
    - `ste_min_max_weight`, `ste_max_change`: straight-through gradients for the weight
      clip and the speed limit (forward values unchanged).
    - `mode`: `"simulator"` (the default) reproduces the reference simulator's arithmetic
      (SPEC); `"protocol"` the deployed QuantAMM-V1 contracts' rule and guard arithmetic
      (see the protocol-mode concepts page). `method="associative"` runs simulator mode only.
    - `use_raw_price`: divide the rule's gradient by the current price instead of the
      moving average (the contracts' raw-price denominator option); either mode.
    - `arbitrage`: which optimal arbitrage trades happen with a swap fee. `"exact"` (the
      default): every signature's closed-form trade when the market lies outside the pool's
      fee band, decided without rounding (what the reference's validity test means in exact
      arithmetic). `"reference"`: quantammsim's floating-point test, which compares two
      numbers equal in exact arithmetic, so rounding decides: its values end 0.04%–1.3% low
      on the golden fee scenarios (quantammsim's own, 0.07%–1.4%) and differ between `jit`,
      `grad` and `vmap`. See
      [Reserves under arbitrage](../concepts/arbitrage.md).
    - `weight_clip`: how the simulator's guardrail clips to `minimum_weight`. `"iterative"`
      (the default) repeats the clip-and-rescale pass until every weight is at or above the
      floor; `"reference"` stops after one pass, as quantammsim does, which can leave a
      weight just under the floor (see [`clip_weights`][quantamm_eqx.weights.clip_weights]).
      Both give the same numbers wherever one pass holds the floor. Protocol mode's clamp
      always iterates.

    **Raises:**

    `ValueError` naming the field, when a setting is out of range.

    **Example:**

    ```python
    >>> from quantamm_eqx import SimulationConfig
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> config.minimum_weight_for(n_assets=4)
    0.025
    >>> hash(config) == hash(SimulationConfig(chunk_period=60, weight_interpolation_period=60))
    True
    ```
    """

    chunk_period: int = _setting(_to_int, "chunk_period", 1440)
    weight_interpolation_period: int = _setting(_to_int, "weight_interpolation_period", 1440)
    maximum_change: float = _setting(_to_float, "maximum_change", 3e-4)
    minimum_weight: float | None = _setting(_to_optional_float, "minimum_weight", None)
    max_memory_days: float = _setting(_to_float, "max_memory_days", 365.0)
    interpolation: Interpolation = _setting(_to_str, "interpolation", "linear")
    use_alt_lamb: bool = _setting(_to_bool, "use_alt_lamb", False)
    use_pre_exp_scaling: bool = _setting(_to_bool, "use_pre_exp_scaling", True)
    initial_pool_value: float = _setting(_to_float, "initial_pool_value", 1_000_000.0)
    fees: float = _setting(_to_float, "fees", 0.0)
    gas_cost: float = _setting(_to_float, "gas_cost", 0.0)
    arb_fees: float = _setting(_to_float, "arb_fees", 0.0)
    noise_trader_ratio: float = _setting(_to_float, "noise_trader_ratio", 0.0)
    protocol_fee_split: float = _setting(_to_float, "protocol_fee_split", 0.0)
    arb_frequency: int = _setting(_to_int, "arb_frequency", 1)
    do_arb: bool = _setting(_to_bool, "do_arb", True)
    ste_min_max_weight: bool = _setting(_to_bool, "ste_min_max_weight", False)
    ste_max_change: bool = _setting(_to_bool, "ste_max_change", False)
    arbitrage: Arbitrage = _setting(_to_str, "arbitrage", "exact")
    weight_clip: WeightClip = _setting(_to_str, "weight_clip", "iterative")
    mode: Mode = _setting(_to_str, "mode", "simulator")
    use_raw_price: bool = _setting(_to_bool, "use_raw_price", False)

    def __check_init__(self):
        def require(ok: bool, field: str, requirement: str) -> None:
            if not ok:
                value = getattr(self, field)
                raise ValueError(f"`{field}` must {requirement}; got {value!r}.")

        finite = math.isfinite
        require(self.chunk_period >= 1, "chunk_period", "be a positive number of minutes")
        require(
            1 <= self.weight_interpolation_period <= self.chunk_period,
            "weight_interpolation_period",
            f"lie in [1, chunk_period={self.chunk_period}] minutes",
        )
        require(
            finite(self.maximum_change) and self.maximum_change > 0,
            "maximum_change",
            "be positive and finite (the largest weight change per minute)",
        )
        require(
            self.minimum_weight is None
            or (finite(self.minimum_weight) and 0 < self.minimum_weight < 1),
            "minimum_weight",
            "be None (meaning 0.1 / n_assets) or lie in (0, 1): a zero weight would empty the "
            "pool of that asset",
        )
        require(
            finite(self.max_memory_days) and self.max_memory_days > 0,
            "max_memory_days",
            "be positive and finite",
        )
        cap = float(max_lamb(self.max_memory_days, self.chunk_period))
        require(
            0 < cap < 1,
            "max_memory_days",
            f"give a decay cap in (0, 1) at chunk_period={self.chunk_period} (it gives "
            f"{cap:.3g}): allow a memory of at least a few chunk periods",
        )
        require(
            self.interpolation in _INTERPOLATIONS, "interpolation", f"be one of {_INTERPOLATIONS}"
        )
        require(
            finite(self.initial_pool_value) and self.initial_pool_value > 0,
            "initial_pool_value",
            "be positive and finite",
        )
        require(0 <= self.fees < 1, "fees", "lie in [0, 1) (a fraction of the trade)")
        require(finite(self.gas_cost) and self.gas_cost >= 0, "gas_cost", "be finite and >= 0")
        require(0 <= self.arb_fees < 1, "arb_fees", "lie in [0, 1) (a fraction of the trade)")
        require(
            finite(self.noise_trader_ratio) and self.noise_trader_ratio >= 0,
            "noise_trader_ratio",
            "be finite and >= 0 (retail volume per unit of arbitrage inflow)",
        )
        require(
            0 <= self.protocol_fee_split <= 1,
            "protocol_fee_split",
            "lie in [0, 1] (the protocol's share of the swap fees)",
        )
        require(self.arb_frequency >= 1, "arb_frequency", "be an integer >= 1 (minutes)")
        require(self.mode in _MODES, "mode", f"be one of {_MODES}")
        require(
            not (self.use_raw_price and self.use_alt_lamb),
            "use_raw_price",
            "be False when `use_alt_lamb` is True (both choose the gradient's denominator: "
            "pick one)",
        )
        require(self.arbitrage in _ARBITRAGE, "arbitrage", f"be one of {_ARBITRAGE}")
        require(self.weight_clip in _WEIGHT_CLIPS, "weight_clip", f"be one of {_WEIGHT_CLIPS}")

    @property
    def has_fees(self) -> bool:
        """Whether any of `fees`, `gas_cost`, `arb_fees` is positive (the arbitrage path)."""
        return self.fees > 0 or self.gas_cost > 0 or self.arb_fees > 0

    @property
    def epsilon_max(self) -> float:
        """The per-update speed limit, `maximum_change * weight_interpolation_period`.

        The contracts' `epsilonMax`: protocol mode limits each rule update's move by it.
        """
        return self.maximum_change * self.weight_interpolation_period

    def minimum_weight_for(self, n_assets: int) -> float:
        """The minimum weight for a pool of `n_assets`: `minimum_weight`, or `0.1 / n_assets`.

        **Arguments:**

        - `n_assets`: the number of assets of the pool.

        **Returns:**

        The minimum weight.

        **Raises:**

        `ValueError` if `minimum_weight * n_assets >= 1`: no weight vector could respect it.

        **Example:**

        ```python
        >>> from quantamm_eqx import SimulationConfig
        >>> SimulationConfig(minimum_weight=0.05).minimum_weight_for(3)
        0.05
        ```
        """
        minimum = 0.1 / n_assets if self.minimum_weight is None else self.minimum_weight
        if minimum * n_assets >= 1:
            raise ValueError(
                f"`minimum_weight` * n_assets must be < 1 so that weights can sum to one; got "
                f"{minimum!r} * {n_assets} = {minimum * n_assets!r}. Lower `minimum_weight` "
                f"below {1 / n_assets!r}."
            )
        return minimum


def checked_config(config: object) -> SimulationConfig:
    """`config` if it is a `SimulationConfig`, else an error saying how to make one."""
    return checked_instance(
        config, SimulationConfig, "config", "a SimulationConfig, e.g. SimulationConfig()"
    )
