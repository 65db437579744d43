"""Fuzz: random pools on random prices keep the pool's invariants, values and gradients.

For each rule, number of assets (2-5) and path (no fees; fees with gas and arbitrage
costs), a batch of draws: parameters from twice each search range (a tenth of the draws
far beyond it, at the saturation), starting weights inside the bounds, and geometric
random-walk prices with random volatility, drift and level. Every draw must give finite
values and finite gradients of the log final value, weights on the simplex at or above the
minimum weight, no per-minute weight change beyond the speed limit, and positive reserves.
`nox -s slow` runs 10,080 draws; the default run a small sample of the same code.
"""

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import (
    AntiMomentumPool,
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    parameter_specs,
    simulate,
)

DAY = 1440
POOLS = (MomentumPool, AntiMomentumPool, MeanReversionChannelPool)
PATHS = {
    "no-fee": {},
    "fee": {"fees": 0.003, "gas_cost": 1.0, "arb_fees": 0.0005},
}
MAXIMUM_CHANGE = 3e-4


def _config(fees: dict) -> SimulationConfig:
    return SimulationConfig(
        chunk_period=60, weight_interpolation_period=60, maximum_change=MAXIMUM_CHANGE, **fees
    )


def _draw_fields(pool_class, n_assets: int, draws: int, rng, floor: float) -> dict:
    fields = {}
    for name, spec in parameter_specs(pool_class).items():
        if name == "initial_weights_logits":
            weights = floor + (1 - n_assets * floor) * rng.dirichlet(np.ones(n_assets), draws)
            fields[name] = np.log(weights)
            continue
        if not spec.trainable:
            fields[name] = np.full((draws, 1), spec.initial)
            continue
        width = spec.high - spec.low
        values = rng.uniform(spec.low - width / 2, spec.high + width / 2, (draws, n_assets))
        if spec.saturation is not None:  # a tenth far beyond the range, either end
            beyond = rng.random((draws, n_assets)) < 0.1
            ends = np.where(rng.random((draws, n_assets)) < 0.5, *spec.saturation)
            values = np.where(beyond, 2 * ends, values)
        fields[name] = values
    return {name: jnp.asarray(value) for name, value in fields.items()}


def _draw_prices(n_assets: int, draws: int, minutes: int, rng) -> np.ndarray:
    volatility = 10 ** rng.uniform(-4, -2.3, (draws, 1, n_assets))
    drift = rng.normal(0, 1e-5, (draws, 1, n_assets))
    level = 10 ** rng.uniform(-3, 4, (draws, 1, n_assets))
    steps = drift + volatility * rng.standard_normal((draws, minutes, n_assets))
    return level * np.exp(np.cumsum(steps, axis=1))


def _fuzz_group(pool_class, n_assets: int, path: str, draws: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    config = _config(PATHS[path])
    floor = config.minimum_weight_for(n_assets)
    fields = _draw_fields(pool_class, n_assets, draws, rng, floor)
    pools = jax.vmap(lambda f: pool_class(**f))(fields)
    prices = jnp.asarray(_draw_prices(n_assets, draws, 3 * DAY, rng))

    def run(pool, path_prices):
        def log_value(candidate):
            result = simulate(candidate, path_prices, config, start_index=DAY, bout_length=DAY)
            return jnp.log(result.values[-1]), result

        (value, result), grads = eqx.filter_value_and_grad(log_value, has_aux=True)(pool)
        grad_ok = jnp.all(
            jnp.stack([jnp.all(jnp.isfinite(g)) for g in jax.tree_util.tree_leaves(grads)])
        )
        weights = result.weights
        return {
            "value": jnp.isfinite(value) & jnp.all(result.values > 0),
            "gradient": grad_ok,
            "simplex": jnp.max(jnp.abs(weights.sum(axis=1) - 1)) < 1e-9,
            "floor": jnp.min(weights) >= floor * (1 - 1e-9),
            "speed": jnp.max(jnp.abs(jnp.diff(weights, axis=0))) <= MAXIMUM_CHANGE * (1 + 1e-9),
            "reserves": jnp.all(result.reserves > 0),
        }

    checks = eqx.filter_jit(eqx.filter_vmap(run))(pools, prices)
    for name, ok in checks.items():
        failed = np.flatnonzero(~np.asarray(ok))
        assert failed.size == 0, (
            f"{pool_class.__name__}, {n_assets} assets, {path}: {name} fails for "
            f"{failed.size} of {draws} draws (first: draw {failed[0]}, seed {seed})"
        )


GROUPS = list(itertools.product(POOLS, (2, 3, 4, 5), PATHS))


@pytest.mark.slow
@pytest.mark.parametrize(
    "pool_class, n_assets, path",
    GROUPS,
    ids=[f"{c.__name__}-{n}-{p}" for c, n, p in GROUPS],
)
def test_fuzz_10080_draws(pool_class, n_assets, path):
    _fuzz_group(pool_class, n_assets, path, draws=420, seed=n_assets)  # 24 groups x 420


SAMPLE = [
    (MomentumPool, 2, "fee"),
    (AntiMomentumPool, 5, "no-fee"),
    (MeanReversionChannelPool, 3, "fee"),
]


@pytest.mark.parametrize(
    "pool_class, n_assets, path", SAMPLE, ids=[f"{c.__name__}-{n}-{p}" for c, n, p in SAMPLE]
)
def test_fuzz_sample(pool_class, n_assets, path):
    _fuzz_group(pool_class, n_assets, path, draws=16, seed=100)
