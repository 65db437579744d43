"""`split_index` and `default_optimizer`: what `fit` and the command line share."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from quantamm_eqx.training import default_optimizer, split_index

jax.config.update("jax_enable_x64", True)  # as tests/conftest.py


@pytest.mark.parametrize(
    "n_minutes, val_fraction, expected",
    [(100, 0.0, 100), (100, 0.25, 75), (14400, 0.1, 12960), (3, 0.5, 2), (0, 0.5, 0)],
)
def test_split_index_is_the_first_validation_minute(n_minutes, val_fraction, expected):
    assert split_index(n_minutes, val_fraction) == expected
    assert split_index(n_minutes, val_fraction) == int(round(n_minutes * (1 - val_fraction)))


@pytest.mark.parametrize("val_fraction", [1.0, -0.1, 1.5, float("nan")])
def test_split_index_refuses_fractions_outside_0_1(val_fraction):
    with pytest.raises(ValueError, match=r"`val_fraction` must lie in \[0, 1\)"):
        split_index(100, val_fraction)


def test_split_index_refuses_a_negative_length():
    with pytest.raises(ValueError, match="`n_minutes` must be an integer >= 0"):
        split_index(-1, 0.5)


@pytest.mark.parametrize("learning_rate", [0.05, 0.3])
def test_default_optimizer_is_clipped_adam(learning_rate):
    params = {"a": jnp.array([1.0, -2.0]), "b": jnp.array(0.5)}
    expected = optax.chain(optax.clip_by_global_norm(10.0), optax.adam(learning_rate))
    optimizer = default_optimizer(learning_rate)
    state, reference = optimizer.init(params), expected.init(params)
    for grads in ({"a": jnp.array([30.0, -40.0]), "b": jnp.array(1.0)},) * 3:
        updates, state = optimizer.update(grads, state, params)
        wanted, reference = expected.update(grads, reference, params)
        for got, want in zip(jax.tree_util.tree_leaves(updates), jax.tree_util.tree_leaves(wanted)):
            np.testing.assert_array_equal(got, want)
