"""Hypothesis strategies for pools, configurations and price paths."""

import numpy as np
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


@st.composite
def pools(draw, pool_class, n_assets):
    """A pool with every stored parameter drawn inside its search range."""
    fields = {}
    for name, spec in parameter_specs(pool_class).items():
        length = (
            n_assets if name == "initial_weights_logits" else draw(st.sampled_from([1, n_assets]))
        )
        fields[name] = draw(hnp.arrays(np.float64, length, elements=st.floats(spec.low, spec.high)))
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
