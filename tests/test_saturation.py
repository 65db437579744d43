"""Every finite parameter is a valid pool: saturation of the stored parameters, the
finite-gradient forms behind it, and training with a step size that overshoots."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from quantamm_eqx import (
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    fit,
    parameter_specs,
    simulate,
)
from quantamm_eqx.pools import saturate, zero_sum_weight_change
from quantamm_eqx.transforms import (
    lamb_to_memory_days_clipped,
    logit_lamb_to_memory_days,
    sigmoid,
    squareplus,
)
from quantamm_eqx.weights import within_resolution

DAY = 1440
POOLS = (MomentumPool, AntiMomentumPool, MeanReversionChannelPool)


def _prices(dtype, days=4, seed=0):
    rng = np.random.default_rng(seed)
    return jnp.asarray(100 * np.exp(np.cumsum(rng.normal(0, 3e-3, (days * DAY, 3)), 0)), dtype)


def _extreme_pools(pool_class, dtype):
    """One pool per (saturating parameter, end): the parameter far beyond its range (the
    largest finite value of the dtype, either sign), the others at their defaults."""
    base = pool_class.from_memory_days(3, memory_days=3.0, chunk_period=60)
    huge = float(jnp.finfo(dtype).max)
    pools = []
    for name, spec in parameter_specs(pool_class).items():
        if spec.trainable:
            for value in (-huge, huge):
                pools.append(eqx.tree_at(lambda p, n=name: getattr(p, n), base, jnp.full(3, value)))
    pools.append(base)
    cast = [jax.tree_util.tree_map(lambda x: x.astype(dtype), p) for p in pools]
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *cast), len(pools)


#: Each rule once in the default run (6-10 s each), every combination in `nox -s slow`.
DEFAULT_RUN = {
    (MomentumPool, jnp.float32, 0.003),
    (AntiMomentumPool, jnp.float64, 0.0),
    (MeanReversionChannelPool, jnp.float32, 0.0),
    (MeanReversionChannelPool, jnp.float64, 0.003),
}
COMBINATIONS = [
    pytest.param(
        pool_class, dtype, fees,
        marks=() if (pool_class, dtype, fees) in DEFAULT_RUN else pytest.mark.slow,
        id=f"{pool_class.__name__}-{jnp.dtype(dtype).name}-{'fee' if fees else 'no-fee'}",
    )
    for pool_class in POOLS
    for dtype in (jnp.float32, jnp.float64)
    for fees in (0.0, 0.003)
]  # fmt: skip


@pytest.mark.parametrize("pool_class, dtype, fees", COMBINATIONS)
def test_values_and_gradients_are_finite_for_every_finite_parameter(pool_class, dtype, fees):
    # Before saturation: log_k=1e300 gave NaN values, logit_lamb=-750 (float64) or -90
    # (float32) non-finite gradients, a channel width of 1e9 a NaN gradient.
    config = SimulationConfig(
        chunk_period=60, weight_interpolation_period=60, fees=fees, use_alt_lamb=True
    )
    stacked, count = _extreme_pools(pool_class, dtype)
    prices = _prices(dtype)

    def objective(pool):
        result = simulate(pool, prices, config, start_index=DAY, bout_length=2 * DAY)
        return jnp.log(result.values[-1])

    values, grads = eqx.filter_jit(eqx.filter_vmap(eqx.filter_value_and_grad(objective)))(stacked)
    assert values.shape == (count,) and bool(jnp.all(jnp.isfinite(values)))
    for name in parameter_specs(pool_class):
        grad = getattr(grads, name)
        assert bool(jnp.all(jnp.isfinite(grad))), name


@pytest.mark.parametrize("dtype, logit", [(jnp.float64, -750.0), (jnp.float32, -90.0)])
def test_the_issues_decays_simulate(dtype, logit):
    pool = MomentumPool.from_memory_days(3, memory_days=3.0, chunk_period=60)
    pool = jax.tree_util.tree_map(lambda x: x.astype(dtype), pool)
    pool = eqx.tree_at(lambda p: p.logit_lamb, pool, jnp.full(3, logit, dtype))
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    result = simulate(pool, _prices(dtype), config, start_index=DAY, bout_length=2 * DAY)
    assert bool(jnp.all(jnp.isfinite(result.values)))
    # A vanishing memory gives k = 0: the pool holds its weights.
    np.testing.assert_allclose(result.weights, jnp.full_like(result.weights, 1 / 3), rtol=1e-6)


def test_saturation_leaves_values_inside_the_range_unchanged():
    for pool_class in POOLS:
        for name, spec in parameter_specs(pool_class).items():
            if spec.saturation is None:
                continue
            low, high = spec.saturation
            inside = jnp.linspace(low, high, 101)
            assert bool(jnp.all(saturate(inside, spec) == inside)), name
            assert low < spec.low <= spec.high < high, name  # wider than the search range
            outside = jnp.array([-jnp.inf, low - 1.0, high + 1.0, jnp.inf])
            assert saturate(outside, spec).tolist() == [low, low, high, high], name
            grad = jax.grad(lambda x, s=spec: saturate(x, s).sum())(jnp.array([high * 2]))
            assert grad.tolist() == [0.0], name


def test_memory_from_the_logit_matches_the_lamb_form_and_stays_finite():
    x = jnp.linspace(-30.0, 30.0, 601, dtype=jnp.float64)
    np.testing.assert_allclose(
        logit_lamb_to_memory_days(x, 60, 365.0),
        lamb_to_memory_days_clipped(sigmoid(x), 60, 365.0),
        rtol=1e-12,
    )
    for dtype in (jnp.float32, jnp.float64):
        huge = float(jnp.finfo(dtype).max)
        extremes = jnp.array([-huge, -40.0, 17.0, 40.0, huge], dtype)
        grads = jax.vmap(jax.grad(lambda v: logit_lamb_to_memory_days(v, 60, 365.0)))(extremes)
        assert bool(jnp.all(jnp.isfinite(grads))), dtype
        # The sigmoid form divides by 1 - lamb, which rounds to 0 at 17 in float32.
        assert float(logit_lamb_to_memory_days(jnp.asarray(17.0, dtype), 60, 365.0)) == 365.0


def test_squareplus_gradient_is_finite_for_large_arguments():
    for dtype in (jnp.float32, jnp.float64):
        x = jnp.array([-1e30, -1e6, -1.0, 0.0, 1.0, 1e6, 1e30], dtype)
        grads = jax.vmap(jax.grad(squareplus))(x)
        assert bool(jnp.all(jnp.isfinite(grads))), dtype
        np.testing.assert_allclose(grads[jnp.array([3, 5, 6])], [0.5, 1.0, 1.0], rtol=1e-6)


def test_zero_sum_change_gradient_is_finite_for_tiny_k_in_float32():
    signal = jnp.array([1e-3, -2e-3, 5e-4], jnp.float32)
    k = jnp.array([1e-26, 2e-26, 3e-26], jnp.float32)  # k**2 underflows to 0

    grad = jax.grad(lambda k: (zero_sum_weight_change(signal, k) * jnp.arange(3.0)).sum())(k)
    assert bool(jnp.all(jnp.isfinite(grad)))
    change = zero_sum_weight_change(signal, k * 1e26) * 1e-26  # the same change at scale
    np.testing.assert_allclose(zero_sum_weight_change(signal, k), change, rtol=1e-5)


def test_within_resolution_scales_only_unresolvable_changes():
    small = jnp.array([0.2, -0.05, -0.15])
    assert within_resolution(small).tolist() == small.tolist()
    huge = jnp.array([4e15, -1e15, -3e15], jnp.float64)
    scaled = within_resolution(huge)
    np.testing.assert_allclose(scaled / scaled[0], huge / huge[0], rtol=1e-15)
    assert float(jnp.max(jnp.abs(scaled))) == pytest.approx(1e-3 / np.finfo(np.float64).eps)
    assert abs(float(scaled.sum())) < 1e-3
    assert bool(jnp.isnan(within_resolution(jnp.array([jnp.nan, 1.0]))[0]))


def test_a_huge_learning_rate_does_not_stop_training():
    # optax.adam(1e3) moves every parameter by about 1e3 per step: log_k and logit_lamb
    # far past their ranges. It used to stop with "lamb must lie strictly inside (0, 1)",
    # then with every step skipped; now the pool saturates and training runs to the end.
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    pool = MomentumPool.from_memory_days(3, memory_days=2.0, chunk_period=60)
    result = fit(
        pool, np.asarray(_prices(jnp.float64, days=10)), config, bout_length=3 * DAY, steps=6,
        key=jax.random.key(0), optimizer=optax.adam(1e3), batch_size=2, steps_per_chunk=3,
        progress=False,
    )  # fmt: skip
    assert not bool(result.skipped.any())
    assert float(jnp.max(jnp.abs(result.final_pool.log_k))) > 100  # it did overshoot
    final = simulate(result.final_pool, _prices(jnp.float64), config, start_index=DAY,
                     bout_length=2 * DAY)  # fmt: skip
    assert bool(jnp.all(jnp.isfinite(final.values)))
