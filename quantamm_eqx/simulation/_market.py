"""`MarketSeries`: per-minute swap fees, arbitrage costs and retail volume, beside the prices."""

import dataclasses
from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, ArrayLike, Float, Int

from .._config import SimulationConfig
from .._validation import ArgumentTypeError, as_float_array, is_traced

#: The series a `MarketSeries` may hold, with the `SimulationConfig` scalar each replaces
#: (`None`: no scalar counterpart) and the largest value it may take.
_FIELDS: dict[str, tuple[str | None, float]] = {
    "fees": ("fees", 1.0),
    "gas_cost": ("gas_cost", np.inf),
    "arb_fees": ("arb_fees", 1.0),
    "retail_volume": (None, np.inf),
}


class MarketSeries(eqx.Module):
    """What the market charges and brings, minute by minute: row `t` belongs to minute `t`
    of the prices (one row per price row, burn-in included), so a bout uses the rows of
    its own minutes.

    **Fields** (each a `(time,)` array, or `None` to use the configuration's scalar):

    - `fees`: the pool's swap fee, in [0, 1), replacing `SimulationConfig.fees`; a minute
      whose fee is 0 is arbitraged with the fee-free closed form.
    - `gas_cost`: the arbitrageur's fixed cost per trade (numeraire), >= 0, replacing
      `SimulationConfig.gas_cost`.
    - `arb_fees`: the arbitrageur's proportional cost, in [0, 1), replacing
      `SimulationConfig.arb_fees`.
    - `retail_volume`: the value (numeraire) retail traders swap through the pool in that
      minute, >= 0. They pay the minute's swap fee on it; the pool keeps the fee net of
      `protocol_fee_split`, added to every reserve in proportion so the quoted prices do
      not move (retail flow in both directions nets out). An alternative to
      `SimulationConfig.noise_trader_ratio` (give one or the other).

    Both phases of a minute's arbitrage use that minute's costs. With
    `SimulationConfig.arb_frequency = f > 1` an arbitrage step uses the costs of its own
    minute, and the retail volume of its `f` minutes (its own and the `f - 1` after it) is
    credited at the step.

    Works under `jit`, `grad` and `vmap` (a series may be traced, e.g. a batch of fee
    regimes).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx import MarketSeries, MomentumPool, SimulationConfig, simulate
    >>> config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    >>> prices = np.exp(np.cumsum(np.full((600, 2), [1e-4, -1e-4]), axis=0))
    >>> fees = np.where(np.arange(600) < 300, 0.003, 0.01)  # a fee regime change
    >>> market = MarketSeries(fees=fees, retail_volume=np.full(600, 5_000.0))
    >>> result = simulate(pool, prices, config, start_index=60, bout_length=500, market=market)
    >>> bool(result.retail_fees.sum() > 0)
    True
    ```
    """

    fees: ArrayLike | None = None
    gas_cost: ArrayLike | None = None
    arb_fees: ArrayLike | None = None
    retail_volume: ArrayLike | None = None

    @property
    def has_costs(self) -> bool:
        """Whether any of `fees`, `gas_cost`, `arb_fees` is a series (the fee-paying path)."""
        return any(x is not None for x in (self.fees, self.gas_cost, self.arb_fees))


def _checked_series(value: object, name: str, ceiling: float, n_minutes: int, dtype) -> Array:
    array = as_float_array(value, f"market.{name}").astype(dtype)  # type: ignore[arg-type]
    if array.shape != (n_minutes,):
        raise ValueError(
            f"`market.{name}` must have one entry per row of `prices`, shape ({n_minutes},); "
            f"got shape {array.shape}. Align it with the prices (row t is minute t)."
        )
    if is_traced(array):
        return array
    values = np.asarray(array)
    bad = ~np.isfinite(values) | (values < 0) | (values >= ceiling)
    if bad.any():
        first = int(np.argmax(bad))
        bound = "[0, 1)" if np.isfinite(ceiling) else "[0, inf)"
        raise ValueError(
            f"`market.{name}` must be finite and lie in {bound}; minute {first} has "
            f"{values[first]!r} ({int(bad.sum())} such minutes)."
        )
    return array


def checked_market(
    market: object, config: SimulationConfig, n_minutes: int, dtype
) -> "MarketSeries | None":
    """`market` with every series a `(n_minutes,)` array of `dtype`, checked; `None` stays.

    **Raises:**

    `ValueError` naming the series, for a wrong length, a negative, non-finite or
    too-large entry, or a series given together with its non-zero configuration scalar
    (or `retail_volume` together with `noise_trader_ratio`).
    """
    if market is None:
        return None
    if not isinstance(market, MarketSeries):
        raise ArgumentTypeError(
            f"`market` must be a MarketSeries, e.g. MarketSeries(fees=...), or None; got "
            f"{type(market).__name__}."
        )
    checked = {}
    for name, (scalar, ceiling) in _FIELDS.items():
        value = getattr(market, name)
        if value is None:
            checked[name] = None
            continue
        if scalar is not None and getattr(config, scalar) != 0:
            raise ValueError(
                f"`market.{name}` is given and so is `SimulationConfig.{scalar}` = "
                f"{getattr(config, scalar)!r}: give one. Set `{scalar}=0` in the "
                "configuration to use the series."
            )
        checked[name] = _checked_series(value, name, ceiling, n_minutes, dtype)
    if checked["retail_volume"] is not None and config.noise_trader_ratio != 0:
        raise ValueError(
            "`market.retail_volume` and `SimulationConfig.noise_trader_ratio` = "
            f"{config.noise_trader_ratio!r} are two models of retail flow: give one."
        )
    return MarketSeries(**checked)


def market_inputs(
    market: object, config: SimulationConfig, n_minutes: int, dtype
) -> tuple["MarketSeries | None", SimulationConfig, bool]:
    """`(market, config, zero_fee_minutes)` for the simulation core, checked.

    A concrete cost series that is constant becomes the configuration's scalar (compiled
    as a constant: the same program, bit for bit, and the fastest), and an all-zero retail
    volume is dropped, so a series that changes nothing runs exactly today's path.
    `zero_fee_minutes` says whether a fee series may hold a 0 (the fee-free branch is
    then compiled in; always True for a traced series).
    """
    market = checked_market(market, config, n_minutes, dtype)
    if market is None:
        return None, config, False
    constants = {}
    kept = {}
    for name in _FIELDS:
        series = getattr(market, name)
        if series is None or is_traced(series):
            kept[name] = series
            continue
        values = np.asarray(series)
        if name == "retail_volume":
            kept[name] = None if not values.any() else series
        elif (values == values[0]).all():
            constants[name] = float(values[0])
            kept[name] = None
        else:
            kept[name] = series
    config = dataclasses.replace(config, **constants) if constants else config
    if all(series is None for series in kept.values()):
        return None, config, False
    fees = kept["fees"]
    zero_fee_minutes = fees is not None and (is_traced(fees) or bool(np.any(np.asarray(fees) == 0)))
    return MarketSeries(**kept), config, zero_fee_minutes


class BoutCosts(NamedTuple):
    """One bout's per-minute costs: `(rows,)` arrays, or `None` for the configuration's scalar."""

    fees: Float[Array, " rows"] | None
    gas_cost: Float[Array, " rows"] | None
    arb_fees: Float[Array, " rows"] | None
    retail_volume: Float[Array, " rows"] | None

    @property
    def has_costs(self) -> bool:
        """Whether a cost series is present (the fee-paying path is needed)."""
        return any(x is not None for x in (self.fees, self.gas_cost, self.arb_fees))


NO_SERIES = BoutCosts(None, None, None, None)


def bout_costs(market: MarketSeries | None, start: int | Int[Array, ""], rows: int) -> BoutCosts:
    """The rows `[start, start + rows)` of each series of `market` (`NO_SERIES` for none)."""
    if market is None:
        return NO_SERIES

    def rows_of(series):
        if series is None:
            return None
        return lax.dynamic_slice(jnp.asarray(series), (jnp.asarray(start),), (rows,))

    return BoutCosts(
        rows_of(market.fees),
        rows_of(market.gas_cost),
        rows_of(market.arb_fees),
        rows_of(market.retail_volume),
    )
