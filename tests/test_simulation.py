"""`simulate` and the reserve paths: hand checks, invariants, transformations, bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import bouts

from quantamm_eqx import MomentumPool, SimulationConfig, WeightSchedule, simulate
from quantamm_eqx.simulation._no_fee import no_fee_reserves
from quantamm_eqx.simulation._reserves import fee_reserves

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60, max_memory_days=30.0)


def sample_prices(n_minutes=3 * 1440 + 1, n_assets=3, seed=0, volatility=1e-3):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, volatility, (n_minutes, n_assets))
    return 100.0 * np.exp(np.cumsum(steps, axis=0))


def constant_weights(weights, n_rows, chunk_period=10):
    """A schedule that holds `weights` fixed for `n_rows` minutes."""
    weights = jnp.asarray(weights)
    n_intervals = max(0, -(-(n_rows - chunk_period) // chunk_period))
    zeros = jnp.zeros((n_intervals, weights.shape[0]))
    return WeightSchedule(
        initial_weights=weights,
        starts=zeros + weights,
        diffs=zeros,
        chunk_period=chunk_period,
        weight_interpolation_period=chunk_period,
        interpolation="linear",
        n_rows=n_rows,
    )


# --- hand-checked --------------------------------------------------------------------------------


def test_price_doubling_in_a_half_half_pool():
    schedule = constant_weights([0.5, 0.5], n_rows=2)
    prices = jnp.array([[1.0, 1.0], [2.0, 1.0]])
    reserves = no_fee_reserves(schedule.weights(), prices, jnp.ones(2), schedule.initial_weights)
    np.testing.assert_allclose(reserves[1], [1 / np.sqrt(2), np.sqrt(2)], rtol=1e-15)
    # The fee path with a zero fee (and a threshold that the trade clears) agrees.
    config = SimulationConfig(gas_cost=1e-9)
    with_threshold = fee_reserves(schedule, prices, jnp.array([1.0, 1.0]), config).reserves
    np.testing.assert_allclose(with_threshold[1], [1 / np.sqrt(2), np.sqrt(2)], rtol=1e-14)


def test_initial_reserves_and_value():
    pool = MomentumPool.from_memory_days(
        n_assets=3, initial_weights=[0.2, 0.3, 0.5], chunk_period=60
    )
    prices = sample_prices()
    result = simulate(pool, prices, CONFIG, start_index=1440, bout_length=1441)
    np.testing.assert_allclose(result.initial_reserves * prices[1440], [2e5, 3e5, 5e5], rtol=1e-14)
    np.testing.assert_allclose(result.values[0], 1e6, rtol=1e-14)
    np.testing.assert_array_equal(result.prices, prices[1440:2880])


# --- invariants ----------------------------------------------------------------------------------


@pytest.mark.slow  # run by `nox -s slow`: 18 s (the golden no-fee values stay)
@given(bouts())
def test_no_fee_pool_holds_its_weights_in_value_every_minute(bout):
    pool, config, prices, start_index, bout_length = bout
    result = simulate(pool, prices, config, start_index=start_index, bout_length=bout_length)
    held = np.asarray(result.reserves * result.prices)
    np.testing.assert_allclose(held / held.sum(axis=1, keepdims=True), result.weights, rtol=1e-9)
    np.testing.assert_allclose(result.values, held.sum(axis=1), rtol=1e-13)


@st.composite
def fee_paths(draw):
    n_assets = draw(st.integers(2, 4))
    weights = draw(st.lists(st.floats(0.1, 1.0), min_size=n_assets, max_size=n_assets))
    weights = np.array(weights) / np.sum(weights)
    n_rows = draw(st.integers(2, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    log_prices = np.cumsum(
        rng.normal(0.0, draw(st.sampled_from([1e-3, 1e-2])), (n_rows, n_assets)), 0
    )
    config = SimulationConfig(
        fees=draw(st.sampled_from([0.0005, 0.003, 0.01])),
        gas_cost=draw(st.sampled_from([0.0, 1e-4])),
        arb_fees=draw(st.sampled_from([0.0, 5e-4])),
        arbitrage=draw(st.sampled_from(["exact", "reference"])),
    )
    return weights, 10.0 * np.exp(log_prices), config


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
@given(fee_paths())
def test_fee_path_keeps_reserves_positive_and_never_lowers_the_invariant(path):
    weights, prices, config = path
    schedule = constant_weights(weights, n_rows=prices.shape[0])
    initial = jnp.asarray(weights * 1e6 / prices[0])
    reserves = np.asarray(fee_reserves(schedule, jnp.asarray(prices), initial, config).reserves)
    assert np.all(reserves > 0)
    invariant = np.prod(np.vstack([initial, reserves]) ** weights, axis=1)
    steps = invariant[1:] / invariant[:-1] - 1
    assert np.all(steps >= -1e-12)


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
@given(
    st.floats(0.0005, 0.01),
    st.floats(-0.99, 0.99),
    st.lists(st.floats(0.2, 1.0), min_size=3, max_size=3),
)
def test_moves_inside_the_no_arbitrage_band_trade_nothing(fee, fraction, raw_weights):
    weights = np.array(raw_weights) / np.sum(raw_weights)
    band = -np.log(1 - fee)
    prices = np.array([[1.0, 2.0, 3.0], [np.exp(fraction * band), 2.0, 3.0]])
    schedule = constant_weights(weights, n_rows=2)
    initial = jnp.asarray(weights * 1e6 / prices[0])
    flows = fee_reserves(schedule, jnp.asarray(prices), initial, SimulationConfig(fees=fee))
    reserves = flows.reserves
    np.testing.assert_array_equal(reserves[1], initial)


def test_two_asset_pool_ends_every_minute_inside_the_no_arbitrage_band():
    """A moving 2-asset pool without gas or arbitrage fees: after each minute's arbitrage its
    quoted price lies within `[gamma, 1 / gamma]` of the market's (1e-9 relative)."""
    pool = MomentumPool.from_memory_days(2, memory_days=1.0, k_per_day=200.0, chunk_period=60)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=0.003)
    prices = sample_prices(n_minutes=3 * 1440, n_assets=2, volatility=2e-3)
    result = simulate(pool, prices, config, start_index=1440, bout_length=1440)
    weights, reserves, market = (
        np.asarray(x) for x in (result.weights, result.reserves, result.prices)
    )
    quoted = (weights[:, 0] / reserves[:, 0]) / (weights[:, 1] / reserves[:, 1])
    mispricing = np.log(quoted / (market[:, 0] / market[:, 1]))
    assert np.ptp(weights[:, 0]) > 0.05  # the weights move
    assert np.abs(mispricing).max() <= -np.log1p(-0.003) + 1e-9
    assert np.abs(mispricing).max() >= 0.99 * -np.log1p(-0.003)  # the band binds


def test_arbitrage_names_are_the_configurable_ones():
    from typing import get_args

    from quantamm_eqx._config import Arbitrage
    from quantamm_eqx.simulation._minute import ARBITRAGE

    assert set(ARBITRAGE) == set(get_args(Arbitrage))


# --- determinism, transformations ---------------------------------------------------------------


@pytest.mark.slow  # nox -s slow: the golden momentum_0 case covers this in the default run
def test_fee_path_is_reproducible_under_jit_grad_and_vmap():
    # The exact arbitrage rule decides nothing by rounding, so the paths agree to rounding.
    # (The reference's rule can differ by whole trades, SPEC §7.) XLA contracts multiply-adds
    # differently in different programs (openxla/xla#41579): agreement is to ~1e-15, not bitwise.
    pool = MomentumPool.from_memory_days(
        n_assets=3, memory_days=1.0, k_per_day=50.0, chunk_period=60
    )
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=0.003)
    prices = jnp.asarray(sample_prices(n_minutes=2 * 1440 + 1, volatility=3e-3))

    def values(pool):
        return simulate(pool, prices, config, start_index=1440, bout_length=1441).values

    jitted = eqx.filter_jit(values)(pool)
    (_, in_grad), _ = eqx.filter_jit(
        eqx.filter_value_and_grad(lambda p: (values(p)[-1], values(p)), has_aux=True)
    )(pool)
    stacked = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), pool)
    batched = eqx.filter_jit(eqx.filter_vmap(values))(stacked)
    np.testing.assert_allclose(in_grad, jitted, rtol=1e-12)
    np.testing.assert_allclose(batched[0], jitted, rtol=1e-12)
    np.testing.assert_array_equal(batched[0], batched[1])


@pytest.mark.parametrize("fees", [0.0, 0.003])
def test_simulate_is_differentiable_and_vmappable(fees):
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=fees)
    prices = sample_prices(n_minutes=2 * 1440 + 1)
    members = [
        MomentumPool.from_memory_days(3, memory_days=d, k_per_day=30.0, chunk_period=60)
        for d in (1.0, 3.0)
    ]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)

    def final_value(pool):
        return simulate(pool, prices, config, start_index=1440, bout_length=1441).values[-1]

    grads = eqx.filter_grad(final_value)(members[0])
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree_util.tree_leaves(grads))
    assert float(jnp.abs(grads.log_k).sum()) > 0
    batched = eqx.filter_vmap(final_value)(stacked)
    np.testing.assert_allclose(batched, [final_value(m) for m in members], rtol=1e-9)


@pytest.mark.parametrize("fees", [0.0, 0.003])
def test_float32_simulation(fees):
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=fees)
    pool64 = MomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60)
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), pool64)
    prices = sample_prices(n_minutes=2 * 1440 + 1)
    result32 = simulate(
        pool32, prices.astype(np.float32), config, start_index=1440, bout_length=1441
    )
    result64 = simulate(pool64, prices, config, start_index=1440, bout_length=1441)
    assert result32.values.dtype == jnp.float32
    np.testing.assert_allclose(result32.values, result64.values, rtol=1e-4)


# --- bad input -----------------------------------------------------------------------------------


def test_prices_shorter_than_the_bout():
    pool = MomentumPool.from_memory_days(n_assets=3, chunk_period=60)
    prices = sample_prices(n_minutes=2000)
    with pytest.raises(
        ValueError, match=r"asks for minutes \[1440, 2001\) but `prices` covers minutes \[0, 2000\)"
    ):
        simulate(pool, prices, CONFIG, start_index=1440, bout_length=561)


def test_non_positive_prices_in_the_bout():
    pool = MomentumPool.from_memory_days(n_assets=3, chunk_period=60)
    prices = sample_prices()
    prices[1500, 2] = 0.0
    with pytest.raises(
        ValueError,
        match=r"`prices` must contain only finite, .*found 0.0 at index \(1500, 2\)",
    ):
        simulate(pool, prices, CONFIG, start_index=1440, bout_length=200)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fees": -0.001}, "`fees` must lie in"),
        ({"gas_cost": -1.0}, "`gas_cost` must be finite and >= 0"),
        ({"arb_fees": -0.001}, "`arb_fees` must lie in"),
        ({"arbitrage": "fast"}, r"`arbitrage` must be one of \('exact', 'reference'\); got 'fast'"),
        ({"arbitrage": 0}, "`arbitrage` must be a string; got 0"),
    ],
)
def test_negative_fees_and_thresholds(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimulationConfig(**kwargs)


def test_mixed_precision_is_a_clear_error():
    """A float64 pool with float32 prices (or the reverse) names both dtypes and the fix."""
    from quantamm_eqx import fit, minute_weights, weight_schedule

    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=1.0, chunk_period=60)
    prices = sample_prices(n_minutes=2 * 1440 + 1)
    bout = dict(start_index=1440, bout_length=600)
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(np.float32), pool)
    calls = [
        lambda p, q: simulate(p, q, config, **bout),
        lambda p, q: minute_weights(p, q, config, **bout),
        lambda p, q: weight_schedule(p, q, config, **bout),
        lambda p, q: p.rule_outputs(q, config),
        lambda p, q: fit(p, q, config, bout_length=600, steps=1, key=jax.random.key(0)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"parameters are float64 but `prices` is float32"):
            call(pool, prices.astype(np.float32))
        with pytest.raises(ValueError, match=r"parameters are float32 but `prices` is float64"):
            call(pool32, prices)


def test_eager_calls_compile_once_for_new_parameters(monkeypatch):
    """`simulate` and `minute_weights` run compiled: other parameters reuse the program."""
    from quantamm_eqx import minute_weights

    traces = []
    rule = MomentumPool.rule_outputs

    def counted(self, *args, **kwargs):
        traces.append(1)  # runs only while tracing
        return rule(self, *args, **kwargs)

    monkeypatch.setattr(MomentumPool, "rule_outputs", counted)
    prices = np.exp(np.cumsum(np.full((1000, 3), [1e-4, 0.0, -1e-4]), axis=0))
    for memory_days in (1.0, 2.0, 3.0):
        pool = MomentumPool.from_memory_days(3, memory_days=memory_days, chunk_period=60)
        for function in (simulate, minute_weights):
            function(pool, prices, CONFIG, start_index=60, bout_length=937)  # a length of its own
    assert len(traces) == 2  # once per function


def test_fee_path_gradient_matches_finite_differences():
    """Away from discrete decisions (2 assets, no gas or arbitrage fees: the path is
    continuous in the parameters), the fee path's gradient is that of its forward pass:
    within 1e-4 of central finite differences, for every trained parameter."""
    pool = MomentumPool.from_memory_days(2, memory_days=1.0, k_per_day=100.0, chunk_period=60)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=0.003)
    prices = jnp.asarray(sample_prices(n_minutes=4 * 1440, n_assets=2, volatility=2e-3))
    trained = jnp.concatenate([pool.log_k, pool.logit_lamb])

    @jax.jit
    def log_return(trained):
        log_k, logit_lamb = jnp.split(trained, 2)
        candidate = eqx.tree_at(lambda p: (p.log_k, p.logit_lamb), pool, (log_k, logit_lamb))
        result = simulate(candidate, prices, config, start_index=1440, bout_length=2 * 1440)
        return jnp.log(result.values[-1] / config.initial_pool_value)

    gradient = np.asarray(jax.grad(log_return)(trained))
    step = 1e-5  # about eps ** (1/3): rounding and truncation errors balance
    differences = [
        (log_return(trained + step * e) - log_return(trained - step * e)) / (2 * step)
        for e in np.eye(trained.size)
    ]
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 1e-3
    np.testing.assert_allclose(gradient, differences, rtol=1e-4)


@pytest.mark.parametrize("narrow", ["float16", "bfloat16"])
def test_half_precision_is_refused_naming_the_dtype(narrow):
    """float16 overflows (a pool's value, the estimator's b): refused, never inf values."""
    import jax.numpy as jnp

    from quantamm_eqx import MomentumPool, SimulationConfig, simulate

    pool = MomentumPool.from_memory_days(2, memory_days=1.0, chunk_period=60)
    prices = np.exp(np.cumsum(np.full((600, 2), [1e-4, -1e-4]), axis=0))
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    dtype = jnp.dtype(narrow)
    with pytest.raises(ValueError, match=f"`prices` is {narrow}.*float32 or float64"):
        simulate(pool, prices.astype(dtype), config, start_index=60, bout_length=500)
    narrow_pool = jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)
    for narrow_prices in (prices.astype(dtype), np.ones((600, 2), int)):
        with pytest.raises(ValueError, match=f"pool's parameters are {narrow}"):
            simulate(narrow_pool, narrow_prices, config, start_index=60, bout_length=500)


@pytest.mark.parametrize("fees", [0.0, 0.003])
def test_non_finite_parameters_surface_as_nan_on_both_paths(fees):
    """A NaN parameter gives NaN weights; the fee path used to freeze its reserves at finite,
    wrong values (every trade tests invalid against NaN weights)."""
    pool = MomentumPool.from_memory_days(3, memory_days=1.0, chunk_period=60)
    broken = eqx.tree_at(lambda p: p.log_k, pool, jnp.full_like(pool.log_k, jnp.nan))
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60, fees=fees)
    result = simulate(broken, sample_prices(), config, start_index=1440, bout_length=1440)
    first_nan = int(np.argmax(~np.isfinite(result.weights).all(axis=-1)))
    assert first_nan > 0 and np.isfinite(result.values[:first_nan]).all()
    assert np.isnan(result.values[first_nan:]).all()
    fine = simulate(pool, sample_prices(), config, start_index=1440, bout_length=1440)
    assert np.isfinite(fine.values).all()


def test_initial_weights_below_the_minimum_weight_are_refused():
    from quantamm_eqx import MomentumPool, SimulationConfig, fit, minute_weights

    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    prices = np.ones((4 * 1440, 3))
    below = MomentumPool.from_memory_days(3, initial_weights=[0.01, 0.49, 0.5], chunk_period=60)
    message = r"initial weights \[0.01, 0.49, 0.5\] go below the minimum weight 0.0333333"
    with pytest.raises(ValueError, match=message):
        minute_weights(below, prices, config, start_index=1440, bout_length=100)
    with pytest.raises(ValueError, match=message):
        fit(below, prices, config, bout_length=1440, steps=1, key=jax.random.key(0),
            progress=False)  # fmt: skip
    # At the floor exactly (softmax of its log rounds just below it) is accepted, and so is a
    # lower floor.
    floor = 0.1 / 3
    at_floor = MomentumPool.from_memory_days(
        3, initial_weights=[floor, (1 - floor) / 2, (1 - floor) / 2], chunk_period=60
    )
    weights = minute_weights(at_floor, prices, config, start_index=1440, bout_length=100)
    assert float(weights.min()) >= floor * (1 - 1e-12)
    lower = SimulationConfig(chunk_period=60, weight_interpolation_period=60, minimum_weight=0.005)
    assert minute_weights(below, prices, lower, start_index=1440, bout_length=100).shape == (99, 3)


def test_a_traced_start_of_any_integer_type():
    """An int32 start under x64 (e.g. from `jax.random.randint`) used to fail in a slice."""
    pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    rng = np.random.default_rng(0)
    prices = jnp.asarray(np.exp(np.cumsum(rng.normal(0, 1e-3, (3000, 2)), axis=0)))

    @eqx.filter_jit
    def final_value(start):
        return simulate(pool, prices, config, start_index=start, bout_length=1440).values[-1]

    eager = simulate(pool, prices, config, start_index=1500, bout_length=1440).values[-1]
    for dtype in (jnp.int32, jnp.int64):
        assert float(final_value(jnp.asarray(1500, dtype))) == float(eager)
    # Refused: by the library, or first by the tests' runtime type checks.
    with pytest.raises((TypeError, ValueError), match="start_index"):
        final_value(jnp.asarray(1500.0))
