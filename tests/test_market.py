"""Per-minute costs and retail volume (`MarketSeries`): reductions to the scalar path,
transformations, properties and bad input."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx import MarketSeries, MomentumPool, SimulationConfig, fit, simulate
from quantamm_eqx.metrics import returns_over_hodl
from quantamm_eqx.simulation import retail_volume_income
from quantamm_eqx.simulation._market import bout_costs, market_inputs
from quantamm_eqx.simulation._reserves import sparse_flows
from quantamm_eqx.simulation._simulate import simulate_validated
from quantamm_eqx.training import split_index

HOUR = 60
BOUT = dict(start_index=HOUR, bout_length=4 * HOUR)
BASE = dict(chunk_period=HOUR, weight_interpolation_period=HOUR)


def _prices(n_minutes=6 * HOUR, n_assets=2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 3e-3, (n_minutes, n_assets))
    return (100 * np.exp(np.cumsum(steps, axis=0))).astype(dtype)


def _pool(n_assets=2, dtype=jnp.float64):
    pool = MomentumPool.from_memory_days(
        n_assets, memory_days=0.2, k_per_day=200.0, chunk_period=HOUR
    )
    return jax.tree_util.tree_map(lambda x: x.astype(dtype) if eqx.is_inexact_array(x) else x, pool)


def _same(a, b):
    return all(
        np.array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name)))
        for name in ("reserves", "values", "arbitrage_profit", "arbitrage_fees", "retail_fees")
    )


@given(
    field=st.sampled_from(["fees", "gas_cost", "arb_fees"]),
    value=st.floats(0.0, 0.5),
    dtype=st.sampled_from([np.float32, np.float64]),
    n_minutes=st.integers(1, 50),
)
def test_a_constant_cost_series_becomes_the_configurations_scalar(field, value, dtype, n_minutes):
    config = SimulationConfig(noise_trader_ratio=0.5)
    market = MarketSeries(**{field: np.full(n_minutes, value, dtype)})
    series, scalar_config, zero_fee_minutes = market_inputs(market, config, n_minutes, dtype)
    assert series is None and zero_fee_minutes is False
    stored = float(np.asarray(value, dtype))  # the value the series held, in its precision
    assert scalar_config == dataclasses.replace(config, **{field: stored})


@pytest.mark.parametrize(
    ("fee", "gas", "ratio", "dtype"),
    [(0.003, 0.5, 1.5, np.float32), (0.0005, 0.0, 0.0, np.float64)],
)
def test_a_constant_fee_series_is_the_scalar_path_bit_for_bit(fee, gas, ratio, dtype):
    prices = _prices(dtype=dtype)
    pool = _pool(dtype=jnp.float32 if dtype == np.float32 else jnp.float64)
    config = SimulationConfig(**BASE, gas_cost=gas, noise_trader_ratio=ratio)
    scalar = simulate(pool, prices, dataclasses.replace(config, fees=fee), **BOUT)
    market = MarketSeries(fees=np.full(len(prices), fee, dtype))
    assert _same(simulate(pool, prices, config, **BOUT, market=market), scalar)


def test_zero_series_reduce_to_todays_path_exactly():
    prices, pool = _prices(), _pool()
    zeros = np.zeros(len(prices))
    for settings in (dict(), dict(gas_cost=0.5), dict(fees=0.003, gas_cost=0.5)):
        config = SimulationConfig(**BASE, **settings)
        plain = simulate(pool, prices, config, **BOUT)
        series = {"retail_volume": zeros}
        if config.fees == 0:
            series["fees"] = zeros
        if config.arb_fees == 0:
            series["arb_fees"] = zeros
        market = MarketSeries(**series)
        assert _same(simulate(pool, prices, config, **BOUT, market=market), plain)


def test_a_varying_fee_series_moves_the_value_between_its_constant_ends():
    prices, pool = _prices(), _pool()
    config = SimulationConfig(**BASE, gas_cost=0.1)
    minutes = np.arange(len(prices))

    def final(fees):
        market = MarketSeries(fees=fees, retail_volume=np.full(len(prices), 2e4))
        return float(simulate(pool, prices, config, **BOUT, market=market).values[-1])

    low, high = final(np.full(len(prices), 0.001)), final(np.full(len(prices), 0.01))
    mixed = final(np.where(minutes < 3 * HOUR, 0.001, 0.01))
    assert min(low, high) < mixed < max(low, high)


def test_series_work_under_vmap_and_grad():
    prices, pool = _prices(), _pool()
    config = SimulationConfig(**BASE, gas_cost=0.2)
    minutes = np.arange(len(prices))
    regimes = jnp.stack(
        [
            np.full(len(prices), 0.003),
            np.where(minutes % 90 < 45, 0.001, 0.02),
            np.zeros(len(prices)),
        ]
    )

    def final_value(fees):
        return simulate(pool, prices, config, **BOUT, market=MarketSeries(fees=fees)).values[-1]

    batched = jax.vmap(final_value)(regimes)
    np.testing.assert_allclose(batched[1], final_value(np.asarray(regimes[1])), rtol=1e-12)
    assert batched[0] != batched[1]
    gradient = jax.grad(final_value)(regimes[0])
    assert np.all(np.isfinite(gradient))
    assert np.any(gradient[BOUT["start_index"] :] != 0)  # the bout's fees matter
    assert np.all(gradient[: BOUT["start_index"]] == 0)  # the burn-in's do not


def test_sparse_arbitrage_with_series_every_minute_is_the_every_minute_path():
    prices, pool = _prices(), _pool()
    config = SimulationConfig(**BASE, noise_trader_ratio=0.5, protocol_fee_split=0.2)
    minutes = np.arange(len(prices))
    market = MarketSeries(
        fees=np.where(minutes % 70 < 35, 0.0, 0.004), gas_cost=np.where(minutes % 50 < 25, 0.0, 0.3)
    )
    result = simulate(pool, prices, config, **BOUT, market=market)
    prices = jnp.asarray(prices)
    market, config, zero_fee_minutes = market_inputs(market, config, len(prices), prices.dtype)
    costs = bout_costs(market, BOUT["start_index"], BOUT["bout_length"] - 1)
    sparse = sparse_flows(result.weights, result.prices, result.initial_reserves, config, costs)
    np.testing.assert_allclose(sparse.reserves, result.reserves, rtol=1e-12)
    np.testing.assert_allclose(sparse.arbitrage_fees, result.arbitrage_fees, rtol=1e-10, atol=1e-9)


def test_sparse_steps_see_their_minutes_costs_and_the_windows_retail_volume():
    prices, pool = _prices(), _pool()
    config = SimulationConfig(**BASE, arb_frequency=7)
    volume = np.full(len(prices), 1e3)
    market = MarketSeries(
        fees=np.full(len(prices), 0.003) + np.arange(len(prices)) * 1e-6, retail_volume=volume
    )
    result = simulate(pool, prices, config, **BOUT, market=market)
    fees = np.asarray(result.retail_fees)
    rows = np.arange(len(fees))
    assert np.all(fees[rows % 7 != 0] == 0)
    # Each step is credited the volume of its 7 minutes at the step's fee.
    step_fees = np.asarray(market.fees)[BOUT["start_index"] :][: len(fees)][::7]
    windows = np.minimum(7, len(fees) - rows[::7])
    np.testing.assert_allclose(fees[::7], step_fees * 1e3 * windows, rtol=1e-12)


def test_flows_add_up_to_the_fees_charged():
    prices, pool = _prices(n_assets=3), _pool(n_assets=3)
    config = SimulationConfig(**BASE, fees=0.003, noise_trader_ratio=2.0, protocol_fee_split=0.25)
    result = simulate(pool, prices, config, **BOUT)
    np.testing.assert_allclose(result.retail_fees, 2.0 * result.arbitrage_fees, rtol=1e-12)
    total = result.arbitrage_fees + result.retail_fees
    np.testing.assert_allclose(result.lp_fees + result.protocol_fees, total, rtol=1e-12)
    assert float(result.arbitrage_fees.sum()) > 0
    # An arbitrageur trades only for a profit (after the swap fee, before its zero costs).
    assert float(result.arbitrage_profit.min()) >= -1e-9


@given(
    reserves=hnp.arrays(np.float64, 3, elements=st.floats(1e-3, 1e6)),
    prices=hnp.arrays(np.float64, 3, elements=st.floats(1e-3, 1e3)),
    fee=st.floats(0.0, 0.1),
    volume=st.floats(0.0, 1e7),
    split=st.floats(0.0, 1.0),
)
def test_retail_volume_never_lowers_reserves_and_keeps_quoted_prices(
    reserves, prices, fee, volume, split
):
    weights = np.array([0.2, 0.3, 0.5])
    config = SimulationConfig(protocol_fee_split=split)
    after, paid = retail_volume_income(
        jnp.asarray(reserves), jnp.asarray(prices), jnp.asarray(fee), jnp.asarray(volume), config
    )
    after = np.asarray(after)
    assert np.all(after >= reserves)
    assert float(paid) == pytest.approx(fee * volume, rel=1e-15)
    np.testing.assert_allclose(
        np.sum((after - reserves) * prices), (1 - split) * fee * volume, rtol=1e-9, atol=1e-9
    )
    quoted = weights * np.sum(reserves * prices) / reserves
    quoted_after = weights * np.sum(after * prices) / after
    np.testing.assert_allclose(quoted_after, quoted, rtol=1e-13)


@pytest.mark.parametrize(
    ("market", "settings", "message"),
    [
        (lambda n: MarketSeries(fees=np.full(n - 1, 0.003)), {}, "market.fees.*one entry per row"),
        (lambda n: MarketSeries(fees=np.full(n, -0.001)), {}, r"market.fees.*\[0, 1\).*minute 0"),
        (lambda n: MarketSeries(fees=np.full(n, 1.0)), {}, r"market.fees.*\[0, 1\)"),
        (
            lambda n: MarketSeries(gas_cost=np.r_[np.nan, np.ones(n - 1)]),
            {},
            "market.gas_cost.*finite",
        ),
        (lambda n: MarketSeries(arb_fees=np.full(n, np.inf)), {}, "market.arb_fees"),
        (lambda n: MarketSeries(retail_volume=-np.ones(n)), {}, "market.retail_volume"),
        (lambda n: MarketSeries(fees=np.full(n, 0.003)), {"fees": 0.003}, "give one"),
        (lambda n: MarketSeries(gas_cost=np.ones(n)), {"gas_cost": 1.0}, "gas_cost.*give one"),
        (
            lambda n: MarketSeries(retail_volume=np.ones(n)),
            {"noise_trader_ratio": 1.0},
            "two models of retail flow",
        ),
        (lambda n: MarketSeries(fees=np.full((n, 2), 0.003)), {}, "market.fees"),
    ],
)
def test_bad_series_are_refused_naming_them(market, settings, message):
    prices = _prices()
    config = SimulationConfig(**BASE, **settings)
    with pytest.raises(ValueError, match=message):
        simulate(_pool(), prices, config, **BOUT, market=market(len(prices)))


def test_the_fee_free_branch_is_compiled_in_only_where_a_fee_can_be_zero():
    prices = jnp.asarray(_prices())
    config = SimulationConfig(**BASE)
    minutes = np.arange(len(prices))
    positive = MarketSeries(fees=np.where(minutes < 100, 0.001, 0.003))
    with_zero = MarketSeries(fees=np.where(minutes < 100, 0.0, 0.003))
    assert market_inputs(positive, config, len(prices), prices.dtype)[2] is False
    assert market_inputs(with_zero, config, len(prices), prices.dtype)[2] is True

    @jax.jit
    def traced_flag(fees):
        flag = market_inputs(MarketSeries(fees=fees), config, len(prices), prices.dtype)[2]
        return jnp.asarray(flag)

    assert bool(traced_flag(positive.fees))  # values unknown under a transformation
    # Compiled in or not, it changes nothing where every fee is positive.
    market, config, _ = market_inputs(positive, config, len(prices), prices.dtype)
    runs = [
        simulate_validated(_pool(), prices, config, 60, 240, "scan", market, flag)
        for flag in (False, True)
    ]
    assert _same(*runs)


def test_fit_trains_and_validates_on_per_minute_costs_and_retail_volume():
    prices, pool = _prices(), _pool()
    minutes = np.arange(len(prices))
    market = MarketSeries(
        fees=np.where(minutes % 120 < 60, 0.001, 0.005),
        retail_volume=np.full(len(prices), 5e4),
    )
    config = SimulationConfig(**BASE, gas_cost=0.2)
    n_train = split_index(len(prices), 0.25)
    # One training window fits (it starts after the burn-in, at chunk_period): the
    # training objective is a known bout's.
    result = fit(
        pool,
        prices,
        config,
        bout_length=n_train - HOUR,
        steps=1,
        key=jax.random.key(0),
        batch_size=1,
        progress=False,
        objective="returns_over_hodl",
        val_fraction=0.25,
        market=market,
    )

    def objective(candidate, data, start, length):
        bout = dict(start_index=start, bout_length=length)
        return float(
            returns_over_hodl(simulate(candidate, data, config, **bout, market=market_of(data)))
        )

    def market_of(data):
        return MarketSeries(
            fees=market.fees[: len(data)], retail_volume=market.retail_volume[: len(data)]
        )

    trained = objective(pool, prices[:n_train], HOUR, n_train - HOUR)
    assert float(result.train_objective[0]) == pytest.approx(trained, rel=1e-12)
    validated = objective(result.final_pool, prices, n_train, len(prices) - n_train)
    assert float(result.val_objective[0]) == pytest.approx(validated, rel=1e-12)
    with pytest.raises(ValueError, match="market.fees"):
        fit(
            pool,
            prices,
            config,
            bout_length=HOUR,
            steps=1,
            key=jax.random.key(0),
            progress=False,
            market=MarketSeries(fees=np.ones(3)),
        )
