"""Errors for badly shaped input, as a user sees them: without the test run's type-checking hook.

Under the jaxtyping hook, a wrongly shaped argument is already rejected by its annotation;
users run without it, so the library's own `ValueError` must name the argument and the fix.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    r"""
    import re
    import numpy as np
    import jax.numpy as jnp
    from quantamm_eqx.estimators import ewma, ewma_gradients, gradient_init, gradient_step

    def expect(pattern, function, *args, **kwargs):
        try:
            function(*args, **kwargs)
        except ValueError as error:
            assert re.search(pattern, str(error)), f"{pattern!r} not in {error}"
        else:
            raise AssertionError(f"no ValueError for {pattern!r}")

    prices = np.ones((5, 3))
    for function in (ewma_gradients, ewma):
        expect(r"`prices` must be 2-dimensional with layout \(time, asset\); got shape \(10,\)",
               function, np.ones(10), 0.5)
        expect(r"`prices` must be 2-dimensional .* got shape \(2, 3, 4\)",
               function, np.ones((2, 3, 4)), 0.5)
        expect(r"`prices` must have at least one row and one column; got shape \(0, 3\)",
               function, np.ones((0, 3)), 0.5)
        expect(r"`lamb` must be a scalar or a vector of length 1 or n_assets=3; got shape \(2,\)",
               function, prices, np.array([0.5, 0.5]))
    expect(r"`alt_lamb` must be a scalar or a vector of length 1 or n_assets=3; got shape \(3, 1\)",
           ewma_gradients, prices, 0.5, np.full((3, 1), 0.5))
    expect(r"`price` must have one entry per asset \(n_assets=2\); got shape \(3,\)",
           gradient_step, gradient_init(jnp.array([1.0, 2.0])), jnp.array([1.0, 2.0, 3.0]), 0.5)
    expect(r"`first_price` must be 1-dimensional with layout \(asset\)",
           gradient_init, jnp.ones((2, 2)))
    expect(r"`prices` must be real-valued", ewma_gradients, np.ones((4, 2), complex), 0.5)
    expect(r"`method` must be one of \('scan', 'associative'\); got 'fft'",
           ewma_gradients, prices, 0.5, method="fft")
    expect(r"`mode` must be one of \('simulator', 'protocol'\); got 'chain'",
           ewma_gradients, prices, 0.5, mode="chain")
    expect(r"`mode` must be one of", gradient_step, gradient_init(jnp.ones(3)), jnp.ones(3), 0.5,
           mode="chain")
    from quantamm_eqx.weights import clamp_weights_fixed
    expect(r"`weights` must be 18-decimal fixed-point integers", clamp_weights_fixed,
           [0.5, 0.5], 10**17)
    from quantamm_eqx import Ensemble, MomentumPool, SimulationConfig, minute_weights
    member = MomentumPool.from_memory_days(n_assets=3)
    expect(r"`members` must be a non-empty sequence of single-rule pools", Ensemble,
           [Ensemble([member])])
    from quantamm_eqx.compat import contract_parameters
    expect(r"`pool` must be a single-rule pool", contract_parameters, Ensemble([member]),
           SimulationConfig())
    pool = MomentumPool.from_memory_days(n_assets=3, chunk_period=60)
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    expect(r"`bout_length` must be an integer number of minutes; got 2.5",
           minute_weights, pool, np.ones((500, 3)), config, start_index=60, bout_length=2.5)
    expect(r"`start_index` must be an integer minute; got 60.5",
           minute_weights, pool, np.ones((500, 3)), config, start_index=60.5, bout_length=20)
    from quantamm_eqx.metrics import returns
    expect(r"`values` must be a non-empty 1-D series of pool values; got shape \(3, 2\)",
           returns, jnp.ones((3, 2)))
    expect(r"got shape \(0,\)", returns, jnp.ones(0))
    from quantamm_eqx.metrics import returns_over_hodl, value_at_risk
    expect(r"`returns_over_hodl` needs the `Simulation`", returns_over_hodl, jnp.ones(5))
    expect(r"`period_days` must be an integer >= 1; got 0", value_at_risk, jnp.ones(5000),
           period_days=0)
    import jax
    from quantamm_eqx import fit, load_pool, save_pool, simulate
    prices = 100 + np.arange(3 * 1440 * 3, dtype=float).reshape(-1, 3) % 7
    fit_args = dict(bout_length=1440, steps=2, key=jax.random.key(0), progress=False)
    for name, value, pattern in [
        ("bout_length", 3000.0, r"`bout_length` must be an integer number of minutes; got 3000.0"),
        ("steps", 2.5, r"`steps` must be an integer >= 1; got 2.5"),
        ("key", 0, r"`key` must be one JAX random key, e.g. jax.random.key\(0\); got 0"),
    ]:
        expect(pattern, fit, pool, prices, config, **{**fit_args, name: value})
    expect(r"`like` must be a pool instance", load_pool, "pool.eqx", MomentumPool)
    expect(r"`chunk_period` must be an integer >= 1; got 1.5", MomentumPool.from_memory_days,
           n_assets=3, chunk_period=1.5)
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), pool, pool)
    expect(r"`pool` is a stacked population of 2 pools: .*eqx.filter_vmap", simulate,
           stacked, prices, config, start_index=60, bout_length=100)

    # Integer prices take the pool's precision; NumPy integers are bout lengths.
    import warnings
    warnings.simplefilter("error")
    jax.config.update("jax_enable_x64", True)
    pool32 = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), pool)
    result = simulate(pool32, prices.astype(int), config, start_index=60,
                      bout_length=np.int64(100))
    assert result.values.dtype == jnp.float32 and result.values.shape == (99,)
    print("all errors as expected")
    """
)


def _run_without_the_hook(script: str) -> str:
    """Run `script` in a fresh interpreter (no type-checking hook, as users run); its output."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_badly_shaped_input_raises_value_error_naming_the_argument():
    assert "all errors as expected" in _run_without_the_hook(SCRIPT)


TYPES_SCRIPT = textwrap.dedent(
    r"""
    import re
    import jax
    import numpy as np
    import optax
    import quantamm_eqx as q

    jax.config.update("jax_enable_x64", True)

    def expect(pattern, function, *args, **kwargs):
        try:
            function(*args, **kwargs)
        except TypeError as error:  # a TypeError, and a ValueError like the other input errors
            assert isinstance(error, ValueError), type(error)
            assert re.search(pattern, str(error)), f"{pattern!r} not in {error}"
        else:
            raise AssertionError(f"no TypeError for {pattern!r}")

    pool = q.MomentumPool.from_memory_days(2, chunk_period=60)
    config = q.SimulationConfig(chunk_period=60, weight_interpolation_period=60)
    prices = np.exp(np.cumsum(np.random.default_rng(0).normal(0, 1e-3, (5 * 1440, 2)), 0))
    bout = dict(start_index=1440, bout_length=1440)
    for entry in (q.simulate, q.minute_weights, q.weight_schedule):
        expect(r"`config` must be a SimulationConfig, e\.g\. SimulationConfig\(\); got dict",
               entry, pool, prices, {"fees": 0.0}, **bout)
        expect(r"`pool` must be a pool, e\.g\. MomentumPool\.from_memory_days\(n_assets=2\); "
               r"got str", entry, "momentum", prices, config, **bout)
        expect(r"`prices` must be array-like of numbers; got NoneType", entry, pool, None,
               config, **bout)
    expect(r"`market` must be a MarketSeries, e\.g\. MarketSeries\(fees=.*got dict",
           q.simulate, pool, prices, config, **bout, market={"fees": 0.003})
    fit_args = dict(bout_length=2 * 1440, steps=2, key=jax.random.key(0), progress=False)
    for name, value, pattern in [
        ("optimizer", "adam", r"`optimizer` must be an optax\.GradientTransformation, e\.g\."),
        ("val_fraction", "0.1", r"`val_fraction` must be a number in \[0, 1\); got str"),
        ("key", 3, r"`key` must be one JAX random key"),
    ]:
        expect(pattern, q.fit, pool, prices, config, **{**fit_args, name: value})
    expect(r"`config` must be a SimulationConfig", q.fit, pool, prices, None, **fit_args)
    expect(r"`pool` must be a pool", q.fit, None, prices, config, **fit_args)
    expect(r"`memory_days` must be a number or a sequence of numbers; got '10'",
           q.MomentumPool.from_memory_days, 3, memory_days="10")
    expect(r"`initial_weights` must be a number or a sequence of numbers; got 'abc'",
           q.MomentumPool.from_memory_days, 3, initial_weights="abc")
    expect(r"A pool parameter must be an array of numbers; got 'a'", q.MomentumPool,
           log_k="a", logit_lamb=[1.0], logit_delta_lamb=[0.0], initial_weights_logits=[0, 0])
    expect(r"`path` must be a file path \(str or pathlib\.Path\); got int", q.save_pool, 3, pool)
    expect(r"`path` must be a file path .*; got NoneType", q.load_pool, None)
    expect(r"`result` must be a Simulation, from simulate\(\.\.\.\); got str", q.hodl_values,
           "x")
    expect(r"`values` must be array-like of numbers; got str", q.metrics.daily_log_sharpe, "x")
    print("all type errors as expected")
    """
)


def test_wrong_argument_types_raise_an_error_naming_the_argument():
    assert "all type errors as expected" in _run_without_the_hook(TYPES_SCRIPT)
