"""Simulating a pool over a span of the prices without letting it see anything after the
span: the prices (and costs) from the span's end on repeat its last minute."""

import dataclasses
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from .._config import SimulationConfig
from ..pools import AbstractTFMMPool
from ..simulation import MarketSeries, Simulation, simulate


def span_simulation(pool, padded, padded_market, config, start, stop) -> Simulation:
    """The simulation of minutes `[start, stop)` on prices (and costs) whose minutes from
    `stop` on repeat minute `stop - 1`: a bout of `stop - start + 1` minutes, whose
    `stop - start` rows are the span's minutes. `start` and `stop` are traced, so one
    compilation serves every span of a length."""
    bounds = jnp.asarray(start), jnp.asarray(stop)
    return _compiled_span(pool, padded, padded_market, config, *bounds, stop - start + 1)


@eqx.filter_jit
def _compiled_span(
    pool: AbstractTFMMPool,
    padded: Float[Array, "time asset"],
    padded_market: MarketSeries | None,
    config: SimulationConfig,
    start: Int[Array, ""],
    stop: Int[Array, ""],
    bout_length: int,
) -> Simulation:
    return simulate(
        pool,
        masked(padded, stop=stop),
        config,
        start_index=start,
        bout_length=bout_length,
        market=map_series(padded_market, partial(masked, stop=stop)),
    )


def masked(series: Array, stop) -> Array:
    """`series` with every row from `stop` on replaced by row `stop - 1`."""
    keep = jnp.arange(series.shape[0]) < stop
    last = jax.lax.dynamic_index_in_dim(series, stop - 1, keepdims=False)
    return jnp.where(keep.reshape((-1,) + (1,) * (series.ndim - 1)), series, last)


def padded(series) -> Array:
    """`series` with its last row repeated once more: room for a bout to end at its end."""
    array = jnp.asarray(series)
    return jnp.concatenate([array, array[-1:]])


def map_series(market: MarketSeries | None, function) -> MarketSeries | None:
    """`market` with `function` applied to each series it holds."""
    if market is None:
        return None
    changes = {
        field.name: function(getattr(market, field.name))
        for field in dataclasses.fields(market)
        if getattr(market, field.name) is not None
    }
    return dataclasses.replace(market, **changes)


def check_market_length(market: MarketSeries, n_minutes: int) -> None:
    """Refuse a series of another length than the prices'."""
    for field in dataclasses.fields(market):
        series = getattr(market, field.name)
        if series is not None and np.shape(series) != (n_minutes,):
            raise ValueError(
                f"`market.{field.name}` must have one row per price row, shape ({n_minutes},); "
                f"got {np.shape(series)}."
            )
