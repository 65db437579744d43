"""Parameter transforms: values, inverses, edge cases, precision, differentiability, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantamm_eqx.transforms import (
    cap_lamb,
    inverse_squareplus,
    k_from_log_k,
    k_from_sp_k,
    lamb_to_memory_days,
    lamb_to_memory_days_clipped,
    logit,
    max_lamb,
    memory_days_to_lamb,
    sigmoid,
    squareplus,
)

CHUNK_PERIODS = st.sampled_from([1, 5, 60, 240, 1440, 10080])


def reference_closed_form(memory_days: float, chunk_period: float) -> float:
    """SPEC §1's closed form, written independently in Python float64 (as the reference runs it)."""
    s = (1440.0 * memory_days / (2.0 * chunk_period)) ** 3 / 6.0
    big_a = np.cbrt(np.sqrt(3 * (27 * s**4 + 4 * s**3)) - 9 * s**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return big_a / (np.cbrt(2) * 3 ** (2 / 3) * s) - np.cbrt(2 / 3) / big_a + 1


# --- sigmoid / logit / squareplus ------------------------------------------------------------


@given(st.floats(-30, 30))
def test_logit_inverts_sigmoid(x):
    # Storing p = sigmoid(x) near 1 keeps 1 - p only to eps / (1 - p), so the round trip is
    # accurate to about eps * (1 + exp(|x|)) at best; XLA's CPU log and exp add errors of a
    # few ulps each (measured: up to 1e-14 relative against exact logits of the stored p).
    np.testing.assert_allclose(logit(sigmoid(x)), x, rtol=1e-13, atol=1e-14 * (1 + np.exp(abs(x))))


def test_sigmoid_is_stable_for_large_arguments():
    values = sigmoid(jnp.array([-1000.0, 0.0, 1000.0]))
    assert values.tolist() == [0.0, 0.5, 1.0]


def test_squareplus_values():
    x = np.array([-1e8, -3.0, 0.0, 2.0])
    expected = [1e-8, (np.sqrt(13) - 3) / 2, 1.0, 1 + np.sqrt(2)]
    np.testing.assert_allclose(squareplus(x), expected, rtol=1e-15)


@given(st.floats(-1e3, 1e3))
def test_inverse_squareplus_inverts_squareplus(x):
    np.testing.assert_allclose(inverse_squareplus(squareplus(x)), x, rtol=1e-9, atol=1e-9)


@given(st.floats(1e-6, 1e6))
def test_squareplus_inverts_inverse_squareplus(y):
    np.testing.assert_allclose(squareplus(inverse_squareplus(y)), y, rtol=1e-12)


# --- memory days <-> lambda ------------------------------------------------------------------


@given(st.floats(1e-12, 0.9999), CHUNK_PERIODS)
def test_memory_days_to_lamb_inverts_lamb_to_memory_days(lamb, chunk_period):
    memory = lamb_to_memory_days(lamb, chunk_period)
    np.testing.assert_allclose(memory_days_to_lamb(memory, chunk_period), lamb, rtol=1e-12)


@given(st.floats(1e-3, 0.999), CHUNK_PERIODS)
def test_memory_round_trip_in_float32(lamb, chunk_period):
    lamb32 = jnp.float32(lamb)
    memory = lamb_to_memory_days(lamb32, chunk_period)
    back = memory_days_to_lamb(memory, chunk_period)
    assert back.dtype == jnp.float32
    # `1 - lamb` is what the round trip must keep; float32 loses ~1e-7 absolute there.
    np.testing.assert_allclose(1 - back, 1 - lamb32, rtol=1e-4, atol=2e-7)


def test_memory_days_to_lamb_is_zero_at_zero_days_with_finite_gradient():
    assert float(memory_days_to_lamb(0.0, 60)) == 0.0
    assert float(jax.grad(memory_days_to_lamb)(0.0, 60)) == 0.0


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@given(st.floats(0.0, 1e5), CHUNK_PERIODS)
def test_memory_days_to_lamb_never_nan(dtype, memory_days, chunk_period):
    memory = jnp.asarray(memory_days, dtype=dtype)
    lamb = memory_days_to_lamb(memory, chunk_period)
    slope = jax.grad(memory_days_to_lamb)(memory, chunk_period)
    assert lamb.dtype == dtype
    assert 0.0 <= float(lamb) <= 1.0
    assert bool(jnp.isfinite(slope)) and float(slope) >= 0.0


def test_memory_days_to_lamb_is_accurate_where_the_reference_form_cancels():
    # 365 days at a 1-minute chunk: the reference's form returns -inf here.
    lamb = memory_days_to_lamb(365.0, 1)
    assert not np.isfinite(reference_closed_form(365.0, 1))
    np.testing.assert_allclose(lamb_to_memory_days(lamb, 1), 365.0, rtol=1e-9)


def test_memory_days_to_lamb_vectorises_and_is_monotone():
    days = jnp.linspace(0.0, 400.0, 101)
    lamb = memory_days_to_lamb(days, 60)
    assert lamb.shape == days.shape
    assert bool(jnp.all(jnp.diff(lamb) > 0))


# --- the lambda cap -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "max_memory_days, chunk_period",
    [(30.0, 60), (30.0, 240), (30.0, 1440), (365.0, 240), (365.0, 1440)],
)
def test_max_lamb_reproduces_the_reference_cap(max_memory_days, chunk_period):
    # Capped estimator outputs depend on the cap's last bits (see `max_lamb`), so the cap
    # must be the reference's float64 value, not merely a close one.
    expected = reference_closed_form(max_memory_days, chunk_period)
    assert float(max_lamb(max_memory_days, chunk_period)) == pytest.approx(expected, rel=1e-15)


def test_max_lamb_falls_back_to_the_exact_root_where_the_reference_breaks_down():
    exact = memory_days_to_lamb(365.0, 1)
    assert float(max_lamb(365.0, 1)) == float(exact)
    assert float(max_lamb(0.0, 60)) == 0.0


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_max_lamb_is_the_same_under_jit_with_static_configuration(dtype):
    eager = max_lamb(jnp.asarray(365.0, dtype), 1440)
    jitted = jax.jit(lambda: max_lamb(np.asarray(365.0, dtype), 1440))()
    assert eager.dtype == jitted.dtype == dtype
    assert float(eager) == float(jitted)


def test_max_lamb_of_traced_arguments_is_the_exact_root():
    days = jnp.array([1.0, 30.0, 365.0])
    np.testing.assert_array_equal(
        jax.jit(max_lamb, static_argnums=1)(days, 60), memory_days_to_lamb(days, 60)
    )
    np.testing.assert_array_equal(
        jax.vmap(max_lamb, in_axes=(0, None))(days, 60), memory_days_to_lamb(days, 60)
    )


def test_max_lamb_gradient_is_that_of_the_exact_root():
    np.testing.assert_allclose(
        jax.grad(max_lamb)(30.0, 60), jax.grad(memory_days_to_lamb)(30.0, 60), rtol=1e-12
    )


def test_cap_lamb_clips_hard():
    cap = float(max_lamb(30.0, 1440))
    lamb = jnp.array([0.5, cap, 0.999])
    assert cap_lamb(lamb, 30.0, 1440).tolist() == [0.5, cap, cap]
    slope = jax.grad(lambda x: cap_lamb(x, 30.0, 1440).sum())(lamb)
    assert slope.tolist() == [1.0, pytest.approx(slope[1]), 0.0]


def test_lamb_to_memory_days_clipped():
    clipped = lamb_to_memory_days_clipped(jnp.array([0.5, 0.9999]), 1440, 30.0)
    np.testing.assert_allclose(clipped[0], lamb_to_memory_days(0.5, 1440))
    assert float(clipped[1]) == 30.0


# --- k ---------------------------------------------------------------------------------------


def test_k_transforms():
    memory = jnp.array([10.0, 20.0])
    np.testing.assert_allclose(k_from_log_k(jnp.array([0.0, 2.0]), memory), [10.0, 80.0])
    np.testing.assert_allclose(k_from_sp_k(jnp.array([0.0, 0.0]), memory), [10.0, 20.0])


# --- transformations and precision -----------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [
        sigmoid,
        squareplus,
        lambda x: inverse_squareplus(squareplus(x)),
        lambda x: memory_days_to_lamb(squareplus(x), 60),
        lambda x: lamb_to_memory_days(sigmoid(x), 60),
        lambda x: k_from_log_k(x, 3.0),
        lambda x: k_from_sp_k(x, 3.0),
    ],
)
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_transforms_jit_vmap_grad_and_keep_dtype(transform, dtype):
    x = jnp.linspace(-3.0, 3.0, 7, dtype=dtype)
    eager = transform(x)
    assert eager.dtype == dtype
    np.testing.assert_allclose(
        jax.jit(transform)(x), eager, rtol=1e-6 if dtype == jnp.float32 else 1e-14
    )
    np.testing.assert_allclose(
        jax.vmap(transform)(x), eager, rtol=1e-6 if dtype == jnp.float32 else 1e-14
    )
    slopes = jax.vmap(jax.grad(transform))(x)
    assert slopes.dtype == dtype and bool(jnp.all(jnp.isfinite(slopes)))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("memory_days", [-1.0, float("nan"), float("inf")])
def test_memory_days_to_lamb_rejects_bad_days(memory_days):
    with pytest.raises(ValueError, match="`memory_days` must be finite and non-negative"):
        memory_days_to_lamb(memory_days, 60)


def test_memory_days_to_lamb_rejects_bad_days_under_jit():
    with pytest.raises(Exception, match="`memory_days` must be finite and non-negative"):
        jax.block_until_ready(jax.jit(memory_days_to_lamb, static_argnums=1)(-1.0, 60))


@pytest.mark.parametrize("chunk_period", [0, -60, 0.0])
def test_rejects_non_positive_chunk_period(chunk_period):
    with pytest.raises(ValueError, match="`chunk_period` must be positive"):
        memory_days_to_lamb(1.0, chunk_period)
    with pytest.raises(ValueError, match="`chunk_period` must be positive"):
        lamb_to_memory_days(0.5, chunk_period)


def test_inverse_squareplus_and_logit_reject_out_of_domain():
    with pytest.raises(ValueError, match="`y` must be strictly positive; found 0.0 at index 1"):
        inverse_squareplus(jnp.array([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"`p` must lie in \[0, 1\]"):
        logit(1.5)
