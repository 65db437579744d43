"""Retail flow, the protocol fee split, arbitrage frequency and the arbitrage switch:
properties, reductions to the plain fee path, and bad settings."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx import MomentumPool, SimulationConfig, simulate
from quantamm_eqx.simulation import retail_and_protocol_fees, sparse_arbitrage_reserves

DAY = 1440
BASE = dict(chunk_period=60, weight_interpolation_period=60, fees=0.003, gas_cost=0.5)


def _prices(days=4, seed=0):
    rng = np.random.default_rng(seed)
    return 100 * np.exp(np.cumsum(rng.normal(0, 2e-3, (days * DAY, 3)), axis=0))


POOL = MomentumPool.from_memory_days(3, memory_days=2.0, k_per_day=50.0, chunk_period=60)


@given(
    before=hnp.arrays(np.float64, 3, elements=st.floats(1.0, 1e6)),
    trade=hnp.arrays(np.float64, 3, elements=st.floats(-0.5, 0.5)),
    prices=hnp.arrays(np.float64, 3, elements=st.floats(1e-2, 1e3)),
    ratio=st.floats(0.0, 5.0),
)
def test_retail_flow_never_lowers_reserves_and_keeps_quoted_prices(before, trade, prices, ratio):
    after = before * (1 + trade)
    weights = np.array([0.2, 0.3, 0.5])
    config = SimulationConfig(noise_trader_ratio=ratio)
    arrays = (jnp.asarray(before), jnp.asarray(after), jnp.asarray(prices))
    with_retail = np.asarray(retail_and_protocol_fees(*arrays, jnp.asarray(0.003), config))
    assert np.all(with_retail >= after)
    quoted = weights * np.sum(after * prices) / after
    quoted_retail = weights * np.sum(with_retail * prices) / with_retail
    np.testing.assert_allclose(quoted_retail, quoted, rtol=1e-13)


def test_zero_settings_reduce_to_the_plain_fee_path_bitwise():
    prices = _prices()
    plain = simulate(POOL, prices, SimulationConfig(**BASE), start_index=DAY, bout_length=2 * DAY)
    zero = SimulationConfig(
        **BASE, noise_trader_ratio=0.0, protocol_fee_split=0.0, arb_frequency=1, do_arb=True
    )
    same = simulate(POOL, prices, zero, start_index=DAY, bout_length=2 * DAY)
    assert np.array_equal(np.asarray(plain.values), np.asarray(same.values))


def test_arbitrage_every_minute_as_sparse_steps_is_the_every_minute_path():
    prices = _prices()
    config = SimulationConfig(**BASE, noise_trader_ratio=1.0, protocol_fee_split=0.2)
    result = simulate(POOL, prices, config, start_index=DAY, bout_length=2 * DAY)
    sparse = sparse_arbitrage_reserves(
        result.weights, result.prices, result.initial_reserves, config
    )
    np.testing.assert_allclose(sparse, result.reserves, rtol=1e-12)


def test_options_move_the_value_the_way_they_should():
    prices = _prices()

    def final(**settings):
        config = SimulationConfig(**BASE, **settings)
        return float(
            simulate(POOL, prices, config, start_index=DAY, bout_length=2 * DAY).values[-1]
        )

    plain = final()
    assert final(noise_trader_ratio=2.0) > plain  # retail fees are income
    assert final(protocol_fee_split=0.5) < plain  # the protocol's share is not the LPs'
    frozen = simulate(
        POOL, prices, SimulationConfig(**BASE, do_arb=False), start_index=DAY, bout_length=2 * DAY
    )
    assert np.all(np.asarray(frozen.reserves) == np.asarray(frozen.initial_reserves))
    hourly = simulate(
        POOL, prices, SimulationConfig(**BASE, arb_frequency=60), start_index=DAY,
        bout_length=2 * DAY,
    )  # fmt: skip
    reserves = np.asarray(hourly.reserves)
    assert np.all(reserves[1:60] == reserves[0]) and not np.all(reserves[60] == reserves[59])


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"arb_frequency": 0}, r"`arb_frequency` must be an integer >= 1 \(minutes\); got 0"),
        ({"protocol_fee_split": 1.5}, r"`protocol_fee_split` must lie in \[0, 1\]"),
        ({"protocol_fee_split": -0.1}, r"`protocol_fee_split` must lie in \[0, 1\]"),
        ({"noise_trader_ratio": -1.0}, r"`noise_trader_ratio` must be finite and >= 0"),
        ({"noise_trader_ratio": float("inf")}, r"`noise_trader_ratio` must be finite and >= 0"),
        ({"arb_frequency": 2.5}, r"`arb_frequency` must be a whole number"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        SimulationConfig(**settings)


def test_retail_flow_and_protocol_fee_are_differentiable():
    import equinox as eqx

    config = SimulationConfig(**BASE, noise_trader_ratio=1.0, protocol_fee_split=0.3)
    prices = jnp.asarray(_prices())

    def objective(pool):
        return simulate(pool, prices, config, start_index=DAY, bout_length=2 * DAY).values[-1]

    grads = eqx.filter_grad(objective)(POOL)
    assert np.all(np.isfinite(np.asarray(grads.log_k))) and np.any(np.asarray(grads.log_k) != 0)
