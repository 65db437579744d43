"""The return attribution (`attribution`): its parts add up to the return, for every
simulation path, and each part has its sign."""

import equinox as eqx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantamm_eqx import (
    MarketSeries,
    MomentumPool,
    SimulationConfig,
    attribution,
    hodl_values,
    simulate,
)
from quantamm_eqx.metrics import OBJECTIVES, arbitrage_return, fee_return

HOUR = 60
BASE = dict(chunk_period=HOUR, weight_interpolation_period=HOUR)
N_MINUTES = 8 * HOUR
BOUT = dict(start_index=HOUR, bout_length=7 * HOUR)
POOL = MomentumPool.from_memory_days(3, memory_days=0.2, k_per_day=300.0, chunk_period=HOUR)
MINUTES = np.arange(N_MINUTES)
#: One of each path: closed form, exact fee path, retail and protocol fee, sparse
#: arbitrage, no arbitrage with retail volume, per-minute series with fee-free minutes.
OPTIONS = {
    "closed form": (dict(), None),
    "fees": (dict(fees=0.003, gas_cost=0.5), None),
    "retail and protocol": (dict(fees=0.003, noise_trader_ratio=2.0, protocol_fee_split=0.3), None),
    "sparse": (dict(fees=0.003, arb_frequency=11, protocol_fee_split=0.5), None),
    "no arbitrage": (
        dict(fees=0.003, do_arb=False),
        MarketSeries(retail_volume=np.full(N_MINUTES, 5e3)),
    ),
    "series": (
        dict(protocol_fee_split=0.1),
        MarketSeries(
            fees=np.where(MINUTES % 100 < 30, 0.0, 0.004),
            gas_cost=np.where(MINUTES % 70 < 35, 0.0, 1.0),
            retail_volume=np.where(MINUTES % 50 < 10, 2e4, 0.0),
        ),
    ),
}


@given(
    option=st.sampled_from(sorted(OPTIONS)),
    seed=st.integers(0, 2**32 - 1),
    volatility=st.sampled_from([1e-4, 3e-3, 2e-2]),
)
def test_the_parts_add_up_to_the_return(option, seed, volatility):
    settings, market = OPTIONS[option]
    rng = np.random.default_rng(seed)
    prices = 50 * np.exp(np.cumsum(rng.normal(0, volatility, (N_MINUTES, 3)), axis=0))
    result = simulate(POOL, prices, SimulationConfig(**BASE, **settings), **BOUT, market=market)
    parts = attribution(result)
    added = parts.hodl + parts.strategy + parts.arbitrage + parts.fees
    np.testing.assert_allclose(added, parts.total, rtol=0, atol=1e-12)
    start = 1e6  # the default initial_pool_value
    np.testing.assert_allclose(parts.total, result.values / start - 1, atol=1e-14)
    np.testing.assert_allclose(parts.hodl, hodl_values(result) / start - 1, atol=1e-14)
    # Arbitrageurs trade only for a profit (their gas is theirs): the pool never gains from
    # them, and fees only ever come in (up to the rounding of a cumulative sum).
    assert np.all(np.diff(parts.arbitrage) <= 1e-12)
    assert np.all(np.diff(parts.fees) >= -1e-15)


def test_each_part_is_zero_where_its_cause_is_absent():
    rng = np.random.default_rng(1)
    prices = 50 * np.exp(np.cumsum(rng.normal(0, 3e-3, (N_MINUTES, 3)), axis=0))
    plain = attribution(simulate(POOL, prices, SimulationConfig(**BASE), **BOUT))
    assert np.all(plain.fees == 0)
    frozen = attribution(simulate(POOL, prices, SimulationConfig(**BASE, do_arb=False), **BOUT))
    assert np.all(frozen.strategy == 0) and np.all(frozen.arbitrage == 0)
    np.testing.assert_allclose(frozen.total, frozen.hodl, atol=1e-15)


def _fee_run():
    rng = np.random.default_rng(2)
    prices = 50 * np.exp(np.cumsum(rng.normal(0, 3e-3, (N_MINUTES, 3)), axis=0))
    return prices, SimulationConfig(**BASE, fees=0.003, noise_trader_ratio=1.0)


def test_the_flow_objectives_are_the_attributions_parts():
    prices, config = _fee_run()
    result = simulate(POOL, prices, config, **BOUT)
    parts = attribution(result)
    assert OBJECTIVES["fee_return"] is fee_return
    assert OBJECTIVES["arbitrage_return"] is arbitrage_return
    assert float(fee_return(result)) == float(parts.fees[-1]) > 0
    assert float(arbitrage_return(result)) == float(parts.arbitrage[-1]) < 0


@pytest.mark.slow  # 30 s: a gradient through the fee path (fit's tests take one by value)
def test_the_fee_income_has_a_gradient():
    prices, config = _fee_run()

    def objective(pool):
        return fee_return(simulate(pool, prices, config, **BOUT))

    gradient = eqx.filter_grad(objective)(POOL)
    assert np.all(np.isfinite(gradient.log_k)) and np.any(gradient.log_k != 0)
