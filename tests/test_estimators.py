"""EWMA and price-gradient estimators: invariants, equivalent forms, transformations, errors."""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.test_util
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import compile_bound

from quantamm_eqx.estimators import (
    A_ZERO_THRESHOLD,
    EWMAState,
    GradientState,
    ewma,
    ewma_gradients,
    ewma_init,
    ewma_step,
    gradient_init,
    gradient_step,
)
from quantamm_eqx.transforms import sigmoid

METHODS = ["scan", "associative"]
# The associative variants of the slowest properties run in `nox -s slow` (each over 14 s on
# 2 cores); the scan variants, and associative == scan on the pools, stay in the default run.
METHODS_SLOW_PARALLEL = ["scan", pytest.param("associative", marks=pytest.mark.slow)]


@st.composite
def price_paths(draw, min_time=2, max_time=40, max_assets=4):
    """Positive price paths: a geometric random walk per asset from a random level."""
    n_time = draw(st.integers(min_time, max_time))
    n_assets = draw(st.integers(1, max_assets))
    level = draw(hnp.arrays(np.float64, n_assets, elements=st.floats(-2.0, 3.0)))
    volatility = draw(st.floats(1e-4, 0.05))
    shocks = draw(hnp.arrays(np.float64, (n_time - 1, n_assets), elements=st.floats(-3.0, 3.0)))
    log_prices = np.vstack([np.zeros((1, n_assets)), np.cumsum(volatility * shocks, axis=0)])
    return 10.0**level * np.exp(log_prices)


def decays(n_assets, low=0.05, high=0.99):
    return hnp.arrays(np.float64, n_assets, elements=st.floats(low, high))


@st.composite
def estimator_inputs(draw, **kwargs):
    prices = draw(price_paths(**kwargs))
    n_assets = prices.shape[1]
    lamb = draw(decays(n_assets))
    alt_lamb = draw(st.none() | decays(n_assets))
    return prices, lamb, alt_lamb


_jitted_gradient_step = jax.jit(gradient_step)


def python_loop(prices, lamb, alt_lamb):
    """The estimator as a plain Python loop of the public `gradient_step` (each step jitted)."""
    state = gradient_init(prices[0], use_alt_lamb=alt_lamb is not None)
    rows = []
    for price in prices[1:]:
        state, gradient = _jitted_gradient_step(state, price, lamb, alt_lamb)
        rows.append(gradient)
    return np.stack(rows)


def series_scale(values):
    """Per-asset scale of a series, for comparisons that must tolerate zero crossings."""
    return np.max(np.abs(values), axis=0, keepdims=True)


def zeroing_bound(prices, lamb):
    """The documented largest effect of the sequential path's `|a| < 1e-10` zeroing on `g`.

    Each zeroing moves `a` by less than 1e-10 and the change decays by `lamb` per step, so
    `a` moves by less than `1e-10 / (1 - lamb)`; the denominator average is at least the
    smallest price.
    """
    saturated_b = lamb / (1 - lamb) ** 3
    return A_ZERO_THRESHOLD / ((1 - lamb) * saturated_b * prices.min(axis=0))


def assert_close_to_series(actual, expected, rtol, atol=0.0):
    """`|actual - expected| <= rtol * (|expected| + per-asset scale of expected)`, elementwise.

    A purely relative comparison is meaningless where a gradient crosses zero; measuring
    the error against the series' own scale keeps the bound relative without that artefact.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    bound = rtol * (np.abs(expected) + series_scale(expected)) + atol
    excess = np.abs(actual - expected) / np.where(bound > 0, bound, 1.0)
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    ok = np.abs(actual - expected) <= bound
    message = f"worst at {worst}: {actual[worst]!r} vs {expected[worst]!r}"
    assert ok.all(), f"{int((~ok).sum())} entries off; {message}"


# --- invariants ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS_SLOW_PARALLEL)
@given(
    level=hnp.arrays(np.float64, 3, elements=st.floats(1e-3, 1e4)),
    n_time=st.integers(2, 50),
    lamb=decays(3),
    alt_lamb=st.none() | decays(3),
)
def test_constant_prices_give_zero_gradients_and_constant_ewma(
    method, level, n_time, lamb, alt_lamb
):
    prices = np.tile(level, (n_time, 1))
    gradients = ewma_gradients(prices, lamb, alt_lamb, method=method)
    averages = ewma(prices, lamb, method=method)
    assert gradients.shape == (n_time - 1, 3)
    np.testing.assert_array_equal(gradients, 0.0)
    np.testing.assert_allclose(averages, prices[1:], rtol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_steady_exponential_trend_is_estimated_per_step(method):
    # A slow, steady trend of 0.1% per step: the estimate converges to the trend.
    rate = 1e-3
    prices = np.exp(rate * np.arange(3000.0))[:, None] * np.array([1.0, 50.0])
    gradients = ewma_gradients(prices, jnp.array([0.5, 0.8]), method=method)
    np.testing.assert_allclose(gradients[-1], rate, rtol=2e-2)


@pytest.mark.parametrize("method", METHODS)
def test_gradient_sign_follows_trend(method):
    up = np.linspace(1.0, 2.0, 30)
    prices = np.stack([up, up[::-1]], axis=1)
    gradients = ewma_gradients(prices, 0.9, method=method)
    assert bool(jnp.all(gradients[:, 0] > 0)) and bool(jnp.all(gradients[:, 1] < 0))


# --- equivalent evaluations ------------------------------------------------------------------


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
@given(estimator_inputs())
def test_python_loop_equals_scan_equals_associative_scan(inputs):
    prices, lamb, alt_lamb = inputs
    looped = python_loop(prices, lamb, alt_lamb)
    scanned = np.asarray(ewma_gradients(prices, lamb, alt_lamb, method="scan"))
    parallel = np.asarray(ewma_gradients(prices, lamb, alt_lamb, method="associative"))
    assert_close_to_series(scanned, looped, rtol=1e-10)
    # The parallel path has no zeroing: allow its documented bound on top of rounding.
    assert_close_to_series(parallel, scanned, rtol=1e-10, atol=zeroing_bound(prices, lamb))


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
@given(price_paths(), st.floats(0.05, 0.99))
def test_ewma_loop_equals_scan_equals_associative_scan(prices, lamb):
    state, rows = ewma_init(prices[0]), []
    for price in prices[1:]:
        state, average = ewma_step(state, price, lamb)
        rows.append(average)
    looped = np.stack(rows)
    np.testing.assert_allclose(ewma(prices, lamb, method="scan"), looped, rtol=1e-12)
    np.testing.assert_allclose(ewma(prices, lamb, method="associative"), looped, rtol=1e-10)


def test_sequential_path_zeroes_tiny_running_a_and_parallel_path_stays_within_its_bound():
    # A price that moves by 1e-13 leaves |a| < 1e-10: zeroed on the sequential path only.
    prices = np.array([[1.0, 1.0], [1.0 + 1e-13, 1.2], [1.0 + 2e-13, 1.3]])
    lamb = np.array([0.5, 0.5])
    scanned = ewma_gradients(prices, lamb, method="scan")
    parallel = ewma_gradients(prices, lamb, method="associative")
    assert scanned[:, 0].tolist() == [0.0, 0.0]
    assert bool(jnp.all(parallel[:, 0] != 0.0))
    assert bool(jnp.all(jnp.abs(parallel - scanned) <= zeroing_bound(prices, lamb)))


# --- no lookahead ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS_SLOW_PARALLEL)
@compile_bound()
@given(inputs=estimator_inputs(min_time=4), cut=st.integers(1, 100), factor=st.floats(0.5, 2.0))
def test_no_lookahead(method, inputs, cut, factor):
    prices, lamb, alt_lamb = inputs
    cut = 1 + cut % (prices.shape[0] - 1)  # first perturbed row of prices
    perturbed = prices.copy()
    perturbed[cut:] *= factor
    before = ewma_gradients(prices, lamb, alt_lamb, method=method)
    after = ewma_gradients(perturbed, lamb, alt_lamb, method=method)
    # Row r belongs to price r + 1: rows before cut - 1 saw only unperturbed prices.
    np.testing.assert_array_equal(before[: cut - 1], after[: cut - 1])


# --- transformations -------------------------------------------------------------------------


def _sample_prices(n_time=60, n_assets=3, seed=0):
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, (n_time, n_assets)), axis=0))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("use_alt", [False, True])
def test_jit_equals_eager(method, use_alt):
    prices = _sample_prices()
    lamb, alt = jnp.array([0.7, 0.8, 0.9]), (jnp.array([0.6, 0.95, 0.9]) if use_alt else None)
    eager = ewma_gradients(prices, lamb, alt, method=method)
    jitted = jax.jit(ewma_gradients, static_argnames="method")(prices, lamb, alt, method=method)
    np.testing.assert_allclose(jitted, eager, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("method", METHODS)
def test_vmap_over_a_batch_of_lambdas(method):
    prices = _sample_prices()
    lambs = jnp.array([[0.5, 0.6, 0.7], [0.9, 0.95, 0.99], [0.2, 0.2, 0.2]])
    batched = jax.vmap(lambda lamb: ewma_gradients(prices, lamb, method=method))(lambs)
    looped = jnp.stack([ewma_gradients(prices, lamb, method=method) for lamb in lambs])
    np.testing.assert_allclose(batched, looped, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("method", METHODS)
def test_grad_matches_finite_differences(method):
    prices = _sample_prices(n_time=40)

    def loss(logit_lamb, logit_alt):
        lamb, alt = sigmoid(logit_lamb), sigmoid(logit_alt)
        return jnp.sum(ewma_gradients(prices, lamb, alt, method=method) ** 2)

    args = (jnp.array([0.5, 1.0, 2.0]), jnp.array([1.0, 0.0, 3.0]))
    jax.test_util.check_grads(loss, args, order=1, modes=["rev"], eps=1e-6)


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
@given(estimator_inputs(), hnp.arrays(np.float64, 4, elements=st.floats(-8.0, 8.0)))
def test_gradients_with_respect_to_logit_lamb_are_finite(inputs, logit_lamb):
    prices, _, alt_lamb = inputs
    logit_lamb = logit_lamb[: prices.shape[1]]

    def loss(logit):
        return jnp.sum(ewma_gradients(prices, sigmoid(logit), alt_lamb))

    slopes = jax.grad(loss)(jnp.asarray(logit_lamb))
    assert bool(jnp.all(jnp.isfinite(slopes)))


@pytest.mark.parametrize("method", METHODS)
def test_float32_runs_and_stays_float32(method):
    prices64 = _sample_prices()
    prices32 = prices64.astype(np.float32)
    lamb = np.array([0.7, 0.8, 0.9])
    with jax.numpy_dtype_promotion("strict"):
        gradients32 = ewma_gradients(prices32, lamb.astype(np.float32), method=method)
        averages32 = ewma(prices32, 0.8, method=method)
        jitted32 = jax.jit(ewma_gradients, static_argnames="method")(prices32, 0.8, method=method)
    assert gradients32.dtype == averages32.dtype == jitted32.dtype == jnp.float32
    gradients64 = ewma_gradients(prices64, lamb, method=method)
    assert_close_to_series(gradients32, gradients64, rtol=1e-3)


def test_step_is_a_scan_body():
    prices = jnp.asarray(_sample_prices())
    lamb = jnp.array([0.7, 0.8, 0.9])
    step = functools.partial(gradient_step, lamb=lamb)
    _, gradients = jax.lax.scan(step, gradient_init(prices[0]), prices[1:])
    np.testing.assert_allclose(gradients, ewma_gradients(prices, lamb), rtol=1e-14)
    _, averages = jax.lax.scan(
        functools.partial(ewma_step, lamb=0.8), ewma_init(prices[0]), prices[1:]
    )
    np.testing.assert_allclose(averages, ewma(prices, 0.8), rtol=1e-14)


def test_states_are_small_typed_pytrees():
    state = gradient_init(jnp.array([1.0, 2.0]), use_alt_lamb=True)
    assert isinstance(state, GradientState)
    assert [leaf.shape for leaf in jax.tree_util.tree_leaves(state)] == [(2,), (2,), (2,)]
    assert len(jax.tree_util.tree_leaves(gradient_init(jnp.array([1.0, 2.0])))) == 2
    assert isinstance(ewma_init(jnp.array([1.0])), EWMAState)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
@pytest.mark.parametrize("function", [ewma_gradients, ewma])
def test_rejects_bad_prices(function, bad):
    prices = _sample_prices(n_time=5)
    prices[3, 1] = bad
    with pytest.raises(
        ValueError,
        match=r"`prices` must contain only finite, strictly positive .* at index \(3, 1\)",
    ):
        function(prices, 0.5)


@pytest.mark.parametrize("function", [ewma_gradients, ewma])
def test_rejects_bad_prices_under_jit(function):
    prices = _sample_prices(n_time=5)
    prices[2, 0] = -1.0
    with pytest.raises(
        Exception, match="`prices` must contain only finite, strictly positive values"
    ):
        jax.block_until_ready(eqx.filter_jit(function)(jnp.asarray(prices), 0.5))


@pytest.mark.parametrize("lamb", [0.0, 1.0, 1.5, -0.2, np.nan])
def test_rejects_lambda_outside_unit_interval(lamb):
    prices = _sample_prices(n_time=5)
    with pytest.raises(ValueError, match=r"`lamb` must lie strictly inside \(0, 1\)"):
        ewma_gradients(prices, lamb)
    with pytest.raises(ValueError, match=r"`alt_lamb` must lie strictly inside \(0, 1\)"):
        ewma_gradients(prices, 0.5, alt_lamb=lamb)
    with pytest.raises(ValueError, match=r"`lamb` must lie strictly inside \(0, 1\)"):
        gradient_step(gradient_init(prices[0]), prices[1], lamb)


def test_rejects_lambda_outside_unit_interval_under_jit():
    prices = jnp.asarray(_sample_prices(n_time=5))
    with pytest.raises(Exception, match=r"`lamb` must lie strictly inside \(0, 1\)"):
        jax.block_until_ready(eqx.filter_jit(ewma_gradients)(prices, jnp.array([0.5, 1.0, 0.5])))


def test_step_rejects_mismatched_price_and_alt_lambda():
    state = gradient_init(jnp.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="`alt_lamb` must be given exactly when"):
        gradient_step(state, jnp.array([1.0, 2.0]), 0.5, alt_lamb=0.6)
    with pytest.raises(ValueError, match="`alt_lamb` must be given exactly when"):
        gradient_step(
            gradient_init(jnp.array([1.0, 2.0]), use_alt_lamb=True), jnp.array([1.0, 2.0]), 0.5
        )
