"""Hypothesis strategies for pools, configurations and price paths."""

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx import (
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    parameter_specs,
)

POOL_CLASSES = [MomentumPool, AntiMomentumPool, MeanReversionChannelPool]


def compile_bound(examples: int = 8) -> settings:
    """Settings for a property whose every example compiles a new program (a new shape):
    `examples` in the default run (the 2-core budget), the loaded profile's count otherwise
    (`nox -s slow`: 500). Hypothesis has loaded the profile before test modules import."""
    if settings.default.max_examples > 20:
        return settings()
    return settings(max_examples=examples)


@st.composite
def pools(draw, pool_class, n_assets):
    """A pool with every stored parameter drawn inside its search range; the initial
    weights' logits within [-1, 1], so every weight is at or above the default minimum
    weight `0.1 / n_assets` for up to 5 assets (`1 / (1 + 4 e**2) > 0.02`)."""
    fields = {}
    for name, spec in parameter_specs(pool_class).items():
        low, high = (-1.0, 1.0) if name == "initial_weights_logits" else (spec.low, spec.high)
        length = (
            n_assets if name == "initial_weights_logits" else draw(st.sampled_from([1, n_assets]))
        )
        fields[name] = draw(hnp.arrays(np.float64, length, elements=st.floats(low, high)))
    return pool_class(**fields)


@st.composite
def configs(draw):
    chunk_period = draw(st.sampled_from([1, 5, 60]))
    return SimulationConfig(
        chunk_period=chunk_period,
        weight_interpolation_period=chunk_period,
        max_memory_days=draw(st.sampled_from([1.0, 30.0, 365.0])),
        use_alt_lamb=draw(st.booleans()),
        use_pre_exp_scaling=draw(st.booleans()),
    )


@st.composite
def minute_prices(draw, n_assets, chunk_period, max_coarse_steps=8):
    """Minute prices covering 1..max_coarse_steps coarse steps (plus a ragged tail)."""
    n_coarse = draw(st.integers(1, max_coarse_steps))
    tail = draw(st.integers(0, chunk_period - 1))
    n_minutes = n_coarse * chunk_period + 1 + tail
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    level = 10.0 ** rng.uniform(-2, 3, n_assets)
    steps = rng.normal(0.0, draw(st.floats(1e-4, 0.02)), (n_minutes - 1, n_assets))
    return level * np.exp(np.vstack([np.zeros((1, n_assets)), np.cumsum(steps, axis=0)]))


@st.composite
def scenarios(draw, pool_classes=POOL_CLASSES):
    """(pool, config, minute prices) with matching sizes."""
    n_assets = draw(st.integers(2, 4))
    pool = draw(pools(draw(st.sampled_from(pool_classes)), n_assets))
    config = draw(configs())
    prices = draw(minute_prices(n_assets, config.chunk_period))
    return pool, config, prices


@st.composite
def weight_configs(draw, n_assets):
    """Configurations exercising the guardrails: bounds, speed limit, interpolation."""
    chunk_period = draw(st.sampled_from([1, 4, 15]))
    # None (the default) or a floor a pool could use (not a subnormal one).
    minimum_weight = draw(st.none() | st.floats(1e-6, 0.9 / n_assets))
    return SimulationConfig(
        chunk_period=chunk_period,
        weight_interpolation_period=draw(st.integers(1, chunk_period)),
        maximum_change=draw(st.sampled_from([1e-4, 1e-3, 1e-2, 0.5])),
        minimum_weight=minimum_weight,
        max_memory_days=draw(st.sampled_from([1.0, 30.0])),
        interpolation=draw(st.sampled_from(["linear", "approx_optimal"])),
        use_alt_lamb=draw(st.booleans()),
    )


@st.composite
def bouts(draw, pool_classes=POOL_CLASSES):
    """(pool, config, minute prices, start_index, bout_length) for a valid bout.

    Initial weights lie inside the configuration's weight bounds, as any pool that has
    already been running does.
    """
    n_assets = draw(st.integers(2, 4))
    pool = draw(pools(draw(st.sampled_from(pool_classes)), n_assets))
    config = draw(weight_configs(n_assets))
    minimum = config.minimum_weight_for(n_assets)
    weights = draw(hnp.arrays(np.float64, n_assets, elements=st.floats(minimum + 1e-3, 1.0)))
    weights = minimum + (1 - n_assets * minimum) * weights / weights.sum()
    fields = {name: getattr(pool, name) for name in parameter_specs(pool)}
    pool = type(pool)(**{**fields, "initial_weights_logits": np.log(weights)})
    c = config.chunk_period
    start_index = c * draw(st.integers(1, 6)) + draw(st.integers(0, c - 1))
    bout_length = draw(st.integers(2, 10 * c))
    n_minutes = start_index + bout_length + draw(st.integers(0, 2 * c))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    steps = rng.normal(0.0, draw(st.sampled_from([1e-3, 2e-2])), (n_minutes - 1, n_assets))
    prices = 10.0 ** rng.uniform(-1, 2, n_assets) * np.exp(
        np.vstack([np.zeros((1, n_assets)), np.cumsum(steps, axis=0)])
    )
    return pool, config, prices, start_index, bout_length
