"""The vectorised no-fee path against a plain minute-by-minute transcription of SPEC §5, and
its cheap log-ratio against extended precision."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import compile_bound

from quantamm_eqx.simulation._no_fee import SERIES_LIMIT, blocked_cumsum, log_ratio, no_fee_reserves


def minute_by_minute(weights, prices, initial_reserves, initial_weights):
    """SPEC §5 without fees, one minute at a time in NumPy: at the old weights the pool
    moves to the new prices (reserves scale by prod(pr ** w) / pr), then to the new weights
    at the new prices (by wr / prod(wr ** w))."""
    reserves, rows = np.array(initial_reserves, dtype=float), []
    last_weights, last_prices = np.asarray(initial_weights), np.asarray(prices[0])
    for w, p in zip(np.asarray(weights), np.asarray(prices)):
        price_ratio, weight_ratio = p / last_prices, w / last_weights
        reserves = reserves * np.prod(price_ratio**last_weights) / price_ratio
        reserves = reserves * weight_ratio / np.prod(weight_ratio**w)
        rows.append(reserves)
        last_weights, last_prices = w, p
    return np.array(rows)


@st.composite
def no_fee_paths(draw):
    """Weights wandering on the simplex (small steps, or large ones that leave the series'
    range) and prices with small or large moves."""
    n_assets = draw(st.integers(2, 4))
    n_rows = draw(st.integers(2, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weight_step = draw(st.sampled_from([1e-4, 1e-2, 0.5]))
    logits = np.cumsum(rng.normal(0.0, weight_step, (n_rows, n_assets)), axis=0)
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    price_step = draw(st.sampled_from([1e-3, 0.2]))
    prices = 10.0 ** rng.uniform(-2, 3, n_assets) * np.exp(
        np.cumsum(rng.normal(0.0, price_step, (n_rows, n_assets)), axis=0)
    )
    return weights, prices


@compile_bound()
@given(no_fee_paths())
def test_vectorised_no_fee_path_equals_the_minute_by_minute_path(path):
    jax.config.update("jax_enable_x64", True)
    weights, prices = path
    initial_weights = weights[0]
    initial_reserves = initial_weights * 1e6 / prices[0]
    got = no_fee_reserves(
        jnp.asarray(weights),
        jnp.asarray(prices),
        jnp.asarray(initial_reserves),
        jnp.asarray(initial_weights),
    )
    want = minute_by_minute(weights, prices, initial_reserves, initial_weights)
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_no_fee_path_from_reserves_off_the_weights():
    """Initial reserves not in proportion to the weights: each asset's reserve keeps its own
    factor, as minute by minute."""
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(3)
    weights = np.full((50, 3), 1 / 3) + np.linspace(0, 0.1, 50)[:, None] * [1, -0.5, -0.5]
    prices = np.exp(np.cumsum(rng.normal(0, 1e-2, (50, 3)), axis=0))
    initial = np.array([1.0, 2.0, 5.0])
    got = no_fee_reserves(*(jnp.asarray(x) for x in (weights, prices, initial, weights[0])))
    np.testing.assert_allclose(
        got, minute_by_minute(weights, prices, initial, weights[0]), rtol=1e-12
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spread", [SERIES_LIMIT, 10.0])
def test_log_ratio_against_extended_precision(dtype, spread):
    """Within the series' range `log_ratio` is within a few ulps of `log(a / b)` of the given
    (rounded) inputs; beyond it, where logarithms take over, within a few ulps of 1."""
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    b = rng.uniform(0.01, 1.0, 400).astype(dtype)
    z = rng.uniform(-spread, spread, 400) if spread < 1 else rng.uniform(-0.99, 0.99, 400)
    a = (b * (1 + z) / (1 - z)).astype(dtype)  # (a - b) / (a + b) = z
    got = np.asarray(log_ratio(jnp.asarray(a), jnp.asarray(b)), dtype=np.float64)
    wide_a, wide_b = a.astype(np.longdouble), b.astype(np.longdouble)
    exact = np.log1p((wide_a - wide_b) / wide_b)  # 80-bit on x86-64: ~1e-19 relative
    eps = np.finfo(dtype).eps
    ulps = 8 if spread < 1 else 2 / eps  # log(a) - log(b) cancels: absolute error then
    error = np.abs(got - exact) / np.where(spread < 1, np.abs(exact), 1.0)
    assert error.max() <= ulps * eps


def test_log_ratio_gradient_is_that_of_the_logarithm():
    jax.config.update("jax_enable_x64", True)
    a, b = jnp.array([0.3, 0.5]), jnp.array([0.301, 0.499])
    grad_a, grad_b = jax.grad(lambda a, b: jnp.sum(log_ratio(a, b)), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(grad_a, 1 / a, rtol=1e-15)
    np.testing.assert_allclose(grad_b, -1 / b, rtol=1e-15)


@given(st.integers(1, 300), st.integers(1, 70))
def test_blocked_cumsum_is_a_cumulative_sum(rows, block):
    jax.config.update("jax_enable_x64", True)
    x = np.random.default_rng(rows).normal(size=rows)
    np.testing.assert_allclose(
        blocked_cumsum(jnp.asarray(x), block), np.cumsum(x), rtol=1e-12, atol=1e-12
    )


def test_blocked_cumsum_keeps_a_nan_where_it_is():
    x = jnp.arange(200.0).at[60].set(jnp.nan)
    finite = np.isfinite(np.asarray(blocked_cumsum(x)))
    assert finite[:60].all() and not finite[60:].any()


def test_log_ratio_under_vmap_takes_one_branch_for_the_batch():
    """A batch with one member out of the series' range: every member is still right, and
    the compiled program branches (a `conditional`) rather than computing both and selecting."""
    jax.config.update("jax_enable_x64", True)
    a = jnp.asarray(np.random.default_rng(0).uniform(0.5, 1.0, (4, 10)))
    for b in (1.01 * a, (1.01 * a).at[2, 3].set(5 * a[2, 3])):
        batched = jax.jit(jax.vmap(log_ratio))
        np.testing.assert_allclose(batched(a, b), np.log(a / b), rtol=1e-14, atol=1e-16)
        assert "conditional" in batched.lower(a, b).compile().as_text()
