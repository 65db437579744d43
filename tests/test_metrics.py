"""Metrics: each formula against an independent NumPy version, orientation, errors, gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantamm_eqx import MomentumPool, SimulationConfig, simulate
from quantamm_eqx import metrics as m

DAY = 1440


def value_path(seed, days=35, volatility=2e-4):
    rng = np.random.default_rng(seed)
    return 1e6 * np.exp(np.cumsum(rng.normal(1e-6, volatility, days * DAY - 1)))


def np_drawdowns(v):
    peak = np.maximum.accumulate(v, axis=-1)
    return (v - peak) / peak


@given(st.integers(0, 10_000))
def test_formulas_against_numpy(seed):
    v = value_path(seed)
    days = v.size / DAY
    log_daily = np.diff(np.log(v[::DAY] + 1e-12))
    minute = np.diff(v) / v[:-1]
    daily = np.diff(v[::DAY]) / v[::DAY][:-1]
    months = np_drawdowns(v[: (v.size // (30 * DAY)) * 30 * DAY].reshape(-1, 30 * DAY))
    annual = (v[-1] / v[0]) ** (365 / days) - 1
    expected = {
        m.daily_log_sharpe: np.sqrt(365) * log_daily.mean() / (log_daily.std() + 1e-8),
        m.sharpe: np.sqrt(525600) * minute.mean() / minute.std(),
        m.daily_sharpe: np.sqrt(365) * daily.mean() / daily.std(),
        m.returns: v[-1] / v[0] - 1,
        m.annualised_returns: (v[-1] / v[0]) ** (525600 / (v.size - 1)) - 1,
        m.max_drawdown: np_drawdowns(v).min(),
        m.calmar: annual / -np_drawdowns(v).min(),
        m.sterling: annual / -months.min(axis=1).mean(),
        m.ulcer: -np.sqrt((months**2).mean(axis=1)).mean(),
    }
    for metric, value in expected.items():
        np.testing.assert_allclose(
            metric(jnp.asarray(v)), value, rtol=1e-9, err_msg=metric.__name__
        )
    ends = v[DAY - 1 :: DAY]
    np.testing.assert_allclose(
        m.value_at_risk(jnp.asarray(v), confidence=0.99),
        np.percentile(np.diff(ends) / ends[:-1], 1),
    )
    weekly = v[7 * DAY - 1 :: 7 * DAY]
    np.testing.assert_allclose(
        m.value_at_risk(jnp.asarray(v), period_days=7),
        np.percentile(np.diff(weekly) / weekly[:-1], 5),
    )


def test_higher_is_better():
    calm = value_path(0, volatility=1e-4)
    rough = value_path(0, volatility=1e-3)
    for metric in (m.max_drawdown, m.ulcer, lambda v: m.value_at_risk(v)):
        assert float(metric(jnp.asarray(calm))) > float(metric(jnp.asarray(rough)))
    assert float(m.max_drawdown(jnp.asarray(calm))) <= 0 and float(m.ulcer(jnp.asarray(calm))) <= 0


def test_metrics_of_a_simulation():
    pool = MomentumPool.from_memory_days(n_assets=3, memory_days=1.0, chunk_period=60)
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, (4 * DAY + 1, 3)), axis=0))
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    result = simulate(pool, prices, config, start_index=DAY, bout_length=3 * DAY)
    assert float(m.daily_log_sharpe(result)) == float(m.daily_log_sharpe(result.values))
    hodl = np.sum(np.asarray(result.initial_reserves) * prices[DAY + 3 * DAY - 2])
    np.testing.assert_allclose(
        m.returns_over_hodl(result), result.values[-1] / hodl - 1, rtol=1e-12
    )
    uniform = result.values[0] / (3 * prices[DAY])
    expected = result.values[-1] / np.sum(uniform * prices[DAY + 3 * DAY - 2]) - 1
    np.testing.assert_allclose(m.returns_over_uniform_hodl(result), expected, rtol=1e-12)


def test_gradients_of_the_objective_are_finite():
    v = jnp.asarray(value_path(1))
    for metric in (m.daily_log_sharpe, m.sharpe, m.daily_sharpe, m.max_drawdown, m.ulcer):
        assert bool(jnp.all(jnp.isfinite(jax.jit(jax.grad(metric))(v)))), metric.__name__


@pytest.mark.parametrize(
    "metric, minutes",
    [
        (m.daily_log_sharpe, 2 * DAY),
        (m.daily_sharpe, 2 * DAY),
        (m.sterling, 30 * DAY - 1),
        (m.ulcer, 29 * DAY),
        (lambda v: m.value_at_risk(v, period_days=7), 13 * DAY),
    ],
)
def test_series_too_short(metric, minutes):
    with pytest.raises(ValueError, match="needs .* minutes; got|needs at least two daily returns"):
        metric(jnp.ones(minutes))


def test_bad_confidence():
    with pytest.raises(ValueError, match=r"`confidence` must lie in \(0, 1\)"):
        m.value_at_risk(jnp.ones(10 * DAY), confidence=95.0)
