"""Population training sharded over devices equals unsharded training (up to rounding).

Runs in a subprocess: the CPU device count (`--xla_force_host_platform_device_count=4`) must
be set before JAX starts.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    r"""
    import equinox as eqx
    import jax
    import numpy as np
import pytest
    from jax.sharding import Mesh

    jax.config.update("jax_enable_x64", True)
    from quantamm_eqx import Ensemble, MeanReversionChannelPool, MomentumPool, SimulationConfig, fit

    assert len(jax.devices()) == 4, jax.devices()
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, (6 * 1440, 3)), axis=0))
    config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)

    def member(memory_days):
        return Ensemble([
            MomentumPool.from_memory_days(3, memory_days=memory_days, chunk_period=60),
            MeanReversionChannelPool.from_memory_days(3, memory_days=2.0, chunk_period=60),
        ], learn_mixing=True)

    def stack(members):
        return jax.tree_util.tree_map(lambda *leaves: jax.numpy.stack(leaves), *members)

    population = stack([member(days) for days in np.linspace(0.5, 3.0, 8)])
    settings = dict(bout_length=2 * 1440, steps=4, key=jax.random.key(0), batch_size=2,
                    steps_per_chunk=2, progress=False, val_fraction=0.2, objective="returns")
    plain = fit(population, prices, config, **settings)
    mesh = Mesh(np.array(jax.devices()), ("population",))
    sharded = fit(population, prices, config, mesh=mesh, **settings)

    leaf = jax.tree_util.tree_leaves(sharded.final_pool)[0]
    assert len(leaf.sharding.device_set) == 4, leaf.sharding
    # Equal up to rounding: each device's program is compiled for its share of the members,
    # and XLA may order a reduction differently (relative differences ~1e-12 seen).
    np.testing.assert_allclose(sharded.train_objective, plain.train_objective, rtol=1e-9)
    np.testing.assert_allclose(sharded.val_objective, plain.val_objective, rtol=1e-9)
    assert (sharded.best_step, sharded.best_member) == (plain.best_step, plain.best_member)
    assert eqx.tree_equal(sharded.final_pool, plain.final_pool, rtol=1e-9, atol=1e-12)
    assert eqx.tree_equal(sharded.pool, plain.pool, rtol=1e-9, atol=1e-12)
    try:
        fit(stack([member(1.0)] * 6), prices, config,
            mesh=mesh, **settings)
    except ValueError as error:
        assert "does not divide over the mesh's 4 devices" in str(error), error
    else:
        raise AssertionError("no error for a population of 6 over 4 devices")
    print("sharded equals unsharded")
    """
)


@pytest.mark.slow  # run by `nox -s slow`: over 15 s on 2 cores
def test_sharded_population_training_equals_unsharded():
    environment = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=Path(__file__).parents[1],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "sharded equals unsharded" in result.stdout
