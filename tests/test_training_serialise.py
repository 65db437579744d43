"""`save_pool` / `load_pool`: the JSON sidecar, loading without `like`, and clear errors."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import (
    AntiMomentumPool,
    BoundedPool,
    MeanReversionChannelPool,
    MomentumPool,
    load_pool,
    parameter_specs,
    save_pool,
)
from quantamm_eqx.pools import POOLS
from quantamm_eqx.training import load_pool_metadata

jax.config.update("jax_enable_x64", True)  # as tests/conftest.py: float64 available

CLASSES = [MomentumPool, AntiMomentumPool, MeanReversionChannelPool]


def shared_pool(cls, n_assets=3):
    """Every parameter shared (length 1) but the initial weights' logits."""
    rng = np.random.default_rng(0)
    fields = {
        name: rng.uniform(spec.low, spec.high, n_assets if name == "initial_weights_logits" else 1)
        for name, spec in parameter_specs(cls).items()
    }
    if "inverse_scaling" in fields:
        fields["inverse_scaling"] = np.array([0.6])
    return cls(**fields)


def per_asset_pool(cls, n_assets=3):
    return cls.from_memory_days(n_assets=n_assets, memory_days=[2.0, 5.0, 9.0][:n_assets])


def as_dtype(pool, dtype):
    return jax.tree_util.tree_map(lambda leaf: leaf.astype(dtype), pool)


def same(loaded, pool):
    leaves, expected = jax.tree_util.tree_leaves(loaded), jax.tree_util.tree_leaves(pool)
    return (
        type(loaded) is type(pool)
        and all(a.dtype == b.dtype and a.shape == b.shape for a, b in zip(leaves, expected))
        and bool(eqx.tree_equal(loaded, pool))
    )


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("build", [per_asset_pool, shared_pool], ids=["per-asset", "shared"])
def test_round_trip_without_like(tmp_path, cls, dtype, build):
    pool = as_dtype(build(cls), dtype)
    path = tmp_path / "pool.eqx"
    save_pool(path, pool)
    assert same(load_pool(path), pool)
    assert same(load_pool(path, like=pool), pool)  # `like` still works, and wins
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert POOLS[sidecar["pool"]] is cls
    assert sidecar["n_assets"] == 3 and sidecar["dtype"] == np.dtype(dtype).name
    assert sidecar["class"] == cls.__name__ and sidecar["static"] == {}
    assert sidecar["fields"]["initial_weights_logits"] == {
        "shape": [3],
        "dtype": np.dtype(dtype).name,
    }


def test_a_stacked_population_round_trips(tmp_path):
    members = [MomentumPool.from_memory_days(3, memory_days=d) for d in (1.0, 4.0)]
    stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *members)
    save_pool(tmp_path / "population.eqx", stacked)
    assert same(load_pool(tmp_path / "population.eqx"), stacked)


def test_metadata_round_trips_beside_the_description(tmp_path):
    pool = MomentumPool.from_memory_days(2, chunk_period=60)
    path = tmp_path / "pool.eqx"
    # The command line's keys: pool (the registered name), assets, chunk_period, dtype.
    metadata = {
        "pool": "momentum",
        "assets": ["BTC", "ETH"],
        "chunk_period": 60,
        "dtype": "float64",
        "training": {"steps": 3, "best_step": -1, "objective": None},
    }
    save_pool(path, pool, metadata=metadata)
    sidecar = load_pool_metadata(path)
    assert {key: sidecar[key] for key in metadata} == metadata
    assert sidecar["n_assets"] == 2 and "fields" in sidecar
    assert same(load_pool(path), pool)


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"pool": "anti_momentum"}, r"`metadata\['pool'\]` is 'anti_momentum' but the pool's"),
        ({"dtype": "float32"}, r"`metadata\['dtype'\]` is 'float32' but the pool's is 'float64'"),
        ({"when": object()}, "`metadata` must hold only what JSON can"),
        ({"x": float("nan")}, "`metadata` must hold only what JSON can"),
        ({1: "one"}, "`metadata` must be a dict with string keys"),
    ],
)
def test_bad_metadata_writes_nothing(tmp_path, metadata, message):
    path = tmp_path / "pool.eqx"
    with pytest.raises(ValueError, match=message):
        save_pool(path, MomentumPool.from_memory_days(2), metadata=metadata)
    assert list(tmp_path.iterdir()) == []


def test_no_sidecar_needs_like(tmp_path):
    pool = MomentumPool.from_memory_days(3)
    path = tmp_path / "old.eqx"
    with open(path, "wb") as file:  # saved before sidecars
        eqx.tree_serialise_leaves(file, pool)
    with pytest.raises(ValueError, match=r"'.*old.eqx' has no sidecar 'old.json'.*`like=`"):
        load_pool(path)
    with pytest.raises(ValueError, match="has no sidecar"):
        load_pool_metadata(path)
    assert same(load_pool(path, like=pool), pool)


def edit_sidecar(path, **changes):
    sidecar = path.with_suffix(".json")
    document = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**document, **changes}))
    return document


def test_an_unknown_pool_name_is_refused(tmp_path):
    path = tmp_path / "pool.eqx"
    save_pool(path, MomentumPool.from_memory_days(3))
    edit_sidecar(path, pool="sortino")
    with pytest.raises(ValueError, match=r"names the pool 'sortino' .*not one of the registered"):
        load_pool(path)


def test_mismatched_leaves_are_refused(tmp_path):
    channel, momentum = tmp_path / "channel.eqx", tmp_path / "momentum.eqx"
    save_pool(channel, MeanReversionChannelPool.from_memory_days(3))
    save_pool(momentum, MomentumPool.from_memory_days(3))
    momentum.with_suffix(".json").write_text(channel.with_suffix(".json").read_text())
    with pytest.raises(
        ValueError,
        match=r"'.*momentum.eqx' does not hold the parameters of a MeanReversionChannelPool .*"
        "that its sidecar 'momentum.json' describes",
    ):
        load_pool(momentum)
    save_pool(momentum, MomentumPool.from_memory_days(3))
    edit_sidecar(momentum, fields={"log_k": {"shape": [3], "dtype": "float64"}})
    with pytest.raises(ValueError, match=r"does not describe a 'momentum' pool .*missing"):
        load_pool(momentum)
    save_pool(momentum, MomentumPool.from_memory_days(3))
    document = json.loads(momentum.with_suffix(".json").read_text())
    document["fields"]["log_k"]["dtype"] = "float32"  # the file holds float64
    edit_sidecar(momentum, **document)
    with pytest.raises(ValueError, match="does not hold the parameters of a MomentumPool"):
        load_pool(momentum)
    momentum.with_suffix(".json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_pool(momentum)


def test_bounded_pools_need_like(tmp_path):
    inner = MomentumPool.from_memory_days(3)
    pool = BoundedPool(inner, minimum_weights=0.1, maximum_weights=0.6)
    path = tmp_path / "bounded.eqx"
    save_pool(path, pool, metadata={"note": "bounded"})
    assert load_pool_metadata(path)["pool"] is None
    with pytest.raises(ValueError, match=r"names the pool None \(a BoundedPool\).*`like=`"):
        load_pool(path)
    assert same(load_pool(path, like=pool), pool)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_a_command_line_sidecar_loads_per_asset_pools(tmp_path, cls):
    # What `quantamm_eqx train` writes beside pool.eqx: no field layout.
    pool = as_dtype(per_asset_pool(cls), jnp.float32)
    path = tmp_path / "pool.eqx"
    with open(path, "wb") as file:
        eqx.tree_serialise_leaves(file, pool)
    name = next(key for key, value in POOLS.items() if value is cls)
    description = {"pool": name, "assets": ["A", "B", "C"], "chunk_period": 1440}
    path.with_suffix(".json").write_text(json.dumps({**description, "dtype": "float32"}))
    assert same(load_pool(path), pool)


def test_a_channel_file_from_before_inverse_scaling_loads_without_like(tmp_path):
    pool = MeanReversionChannelPool.from_memory_days(3, width=0.7)
    path = tmp_path / "pool.eqx"
    with open(path, "wb") as file:  # the old layout: every leaf but `inverse_scaling`, last
        eqx.tree_serialise_leaves(file, jax.tree_util.tree_leaves(pool)[:-1])
    description = {"pool": "mean_reversion_channel", "assets": ["A", "B", "C"]}
    path.with_suffix(".json").write_text(json.dumps({**description, "dtype": "float64"}))
    loaded = load_pool(path)
    assert same(loaded, pool)  # the default inverse_scaling, per asset


def test_a_json_path_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot end in .json"):
        save_pool(tmp_path / "pool.json", MomentumPool.from_memory_days(2))
    with pytest.raises(ValueError, match="cannot end in .json"):
        load_pool(tmp_path / "pool.json")


# --- what a checkpoint must not let through ---------------------------------------------------


def test_a_checkpoint_refuses_a_like_of_another_pool_type(tmp_path):
    """The leaves of a momentum pool fit an anti-momentum pool exactly (the opposite rule):
    the sidecar's class decides."""
    from quantamm_eqx import AntiMomentumPool, MomentumPool, load_pool, save_pool

    path = tmp_path / "pool.eqx"
    save_pool(path, MomentumPool.from_memory_days(n_assets=2, memory_days=3.0))
    like = AntiMomentumPool.from_memory_days(n_assets=2, memory_days=3.0)
    with pytest.raises(ValueError, match="holds a MomentumPool.*`like` is a AntiMomentumPool"):
        load_pool(path, like=like)
    assert type(load_pool(path)) is MomentumPool
    # Without a sidecar (files from before it) `like` is taken at its word.
    path.with_suffix(".json").unlink()
    assert type(load_pool(path, like=like)) is AntiMomentumPool


def test_a_checkpoint_with_non_finite_parameters_is_refused(tmp_path):
    from quantamm_eqx import MomentumPool, load_pool, save_pool

    pool = MomentumPool.from_memory_days(n_assets=2, memory_days=3.0)
    diverged = eqx.tree_at(lambda p: p.log_k, pool, jnp.full_like(pool.log_k, jnp.nan))
    path = tmp_path / "pool.eqx"
    save_pool(path, diverged)
    for like in (None, pool):
        with pytest.raises(ValueError, match=r"non-finite parameters \(\.log_k\)"):
            load_pool(path, like=like)
