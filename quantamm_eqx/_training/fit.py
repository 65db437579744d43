"""`fit`: train a pool (or a population of pools) on random bouts with optax."""

import io
import os
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxtyping import Array, Bool, Float, PRNGKeyArray, PyTree

from .. import _metrics
from .._atomic import atomic_path
from .._config import SimulationConfig
from .._custom_types import PricesLike
from .._pools.base import AbstractTFMMPool
from .._pools.channel import MeanReversionChannelPool
from .._pools.params import trainable_filter
from .._simulation.simulate import Simulation, _simulate
from .._validation import checked_int, checked_prices
from .._weights.schedule import checked_bout_length

#: Objectives `fit` accepts by name: functions of a `Simulation`, higher is better.
OBJECTIVES: dict[str, Callable[[Simulation], Array]] = {
    "daily_log_sharpe": _metrics.daily_log_sharpe,
    "sharpe": _metrics.sharpe,
    "daily_sharpe": _metrics.daily_sharpe,
    "returns": _metrics.returns,
    "annualised_returns": _metrics.annualised_returns,
    "returns_over_hodl": _metrics.returns_over_hodl,
    "returns_over_uniform_hodl": _metrics.returns_over_uniform_hodl,
    "max_drawdown": _metrics.max_drawdown,
    "calmar": _metrics.calmar,
    "sterling": _metrics.sterling,
    "ulcer": _metrics.ulcer,
}


class FitResult(eqx.Module):
    """The result of [`fit`][quantamm_eqx.fit].

    **Fields:**

    - `pool`: the best pool: the population member and step with the best validation
      objective, or (without validation) the final pool's best member by training objective;
    - `final_pool`: the pool (or stacked population) after the last step;
    - `train_objective`: the mini-batch training objective before each step,
      `(steps,)` or `(steps, population)`;
    - `val_objective`: the validation objective after each step (same shape), or `None`;
    - `skipped`: whether each step was skipped because its gradient was not finite;
    - `best_step`, `best_member`: where `pool` comes from (-1 for the starting pool).
    """

    pool: AbstractTFMMPool
    final_pool: AbstractTFMMPool
    train_objective: Float[Array, "..."]
    val_objective: Float[Array, "..."] | None
    skipped: Bool[Array, "..."]
    best_step: int = eqx.field(static=True)
    best_member: int = eqx.field(static=True)


def _objective_function(objective: str | Callable[[Simulation], Array]):
    if callable(objective):
        return objective
    if objective not in OBJECTIVES:
        raise ValueError(
            f"`objective` must be one of {sorted(OBJECTIVES)} or a callable; got {objective!r}."
        )
    return OBJECTIVES[objective]


def _all_finite(tree: PyTree) -> Array:
    leaves = [jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree_util.tree_leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def save_pool(path: str | os.PathLike, pool: AbstractTFMMPool) -> None:
    """Save a pool's parameters with `eqx.tree_serialise_leaves`, atomically.

    **Example:**

    ```python
    >>> import tempfile, pathlib
    >>> from quantamm_eqx import MomentumPool, load_pool, save_pool
    >>> pool = MomentumPool.from_memory_days(n_assets=2, memory_days=3.0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pool.eqx"
    >>> save_pool(path, pool)
    >>> bool((load_pool(path, like=pool).logit_lamb == pool.logit_lamb).all())
    True
    ```
    """
    with atomic_path(path) as temporary, open(temporary, "wb") as file:
        eqx.tree_serialise_leaves(file, pool)


def load_pool(path: str | os.PathLike, like: AbstractTFMMPool) -> AbstractTFMMPool:
    """Load parameters saved by [`save_pool`][quantamm_eqx.save_pool].

    `like` is a pool of the same type, shapes and dtype (e.g. built with `from_memory_days`);
    the file must hold exactly its parameters. A channel pool saved before it had an
    `inverse_scaling` field loads with `like`'s.

    **Raises:**

    `ValueError` naming the file when its contents do not fit `like`.
    """
    if not isinstance(like, AbstractTFMMPool):
        raise ValueError(
            f"`like` must be a pool instance to fill (e.g. MomentumPool.from_memory_days(...)); "
            f"got {like!r}."
        )
    data = Path(path).read_bytes()
    try:
        return _deserialise_exactly(data, like)
    except (ValueError, RuntimeError, EOFError) as error:  # equinox: structure mismatch
        if isinstance(like, MeanReversionChannelPool):
            # The layout before `inverse_scaling`: every other leaf, in order, and no more.
            without = eqx.tree_at(lambda pool: pool.inverse_scaling, like, None)
            try:
                loaded = _deserialise_exactly(data, without)
            except (ValueError, RuntimeError, EOFError):
                pass
            else:
                return eqx.tree_at(
                    lambda pool: pool.inverse_scaling,
                    loaded,
                    like.inverse_scaling,
                    is_leaf=lambda leaf: leaf is None,
                )
        raise ValueError(
            f"{os.fspath(path)!r} does not hold the parameters of a {type(like).__name__} with "
            f"n_assets={like.n_assets} and these parameter shapes and dtypes: {error}"
        ) from error


def _deserialise_exactly(data: bytes, like: PyTree) -> PyTree:
    """`like`'s leaves read from `data`, which must hold them and nothing more."""
    file = io.BytesIO(data)
    loaded = eqx.tree_deserialise_leaves(file, like)
    if file.read(1):
        raise ValueError("the file holds more data than the pool has parameters")
    return loaded


def fit(
    pool: AbstractTFMMPool,
    prices: PricesLike,
    config: SimulationConfig,
    *,
    bout_length: int,
    steps: int,
    key: PRNGKeyArray,
    objective: str | Callable[[Simulation], Array] = "daily_log_sharpe",
    optimizer: optax.GradientTransformation | None = None,
    batch_size: int = 8,
    val_fraction: float = 0.0,
    burn_in: int | None = None,
    steps_per_chunk: int = 10,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    mesh: Mesh | None = None,
) -> FitResult:
    """Train a pool's parameters by gradient ascent on an objective over random bouts.

    The prices are split in time: the first `1 - val_fraction` are the training span, the
    rest the validation span. Each step samples `batch_size` bout windows of `bout_length`
    minutes inside the training span (starting after `burn_in`, so the pool's estimator
    has history), simulates them (`vmap`), and follows the gradient of the mean objective.
    Steps whose gradient is not finite are skipped (and reported in `skipped`). The
    initial weights' logits are frozen ([`trainable_filter`][quantamm_eqx.trainable_filter]).

    A stacked pool (every field with a leading population axis) trains each member
    independently on the same windows, and the best member is returned. Steps run in
    `lax.scan` chunks of `steps_per_chunk` inside one compiled function.

    **Arguments:**

    - `pool`: the starting pool, or a stacked population.
    - `prices`: minute prices `(time, n_assets)`.
    - `config`: the simulation configuration.
    - `bout_length`: minutes per training bout.
    - `steps`: optimisation steps.
    - `key`: a JAX PRNG key (fixes the windows; the same key gives the same result).
    - `objective`: a name in `OBJECTIVES` or a function of a `Simulation`; maximised.
    - `optimizer`: an optax transformation; default Adam (learning rate 0.05) after
      clipping the gradient's global norm to 10. Schedules and clipping compose via optax.
    - `batch_size`: windows per step.
    - `val_fraction`: the fraction of the prices (at the end) held out for validation,
      in [0, 1); the validation objective is one bout over the whole validation span.
    - `burn_in`: the first minute a training window may start at; default `chunk_period`.
    - `steps_per_chunk`: steps per compiled `lax.scan` chunk (and between progress updates).
    - `progress`: show a progress bar.
    - `checkpoint`: a path where the pool is saved after every chunk: the best one so far
      with validation, else the current one (what `FitResult.pool` will be); on several
      hosts, only the first (`jax.process_index() == 0`) writes it.
    - `mesh`: a `jax.sharding.Mesh` to shard a population over: its members are split
      across the mesh's devices (all its axes together; the population size must be a
      multiple of the device count), the prices are replicated, and each device trains
      its members. The results equal those without a mesh up to rounding (each device's
      program is compiled for its share). For several hosts, call
      `jax.distributed.initialize()` first and build the mesh over `jax.devices()`.

    **Returns:**

    The [`FitResult`][quantamm_eqx.FitResult].

    **Raises:**

    `ValueError` for an unknown objective, `val_fraction` outside [0, 1), `bout_length`,
    `steps`, `steps_per_chunk`, `batch_size` or `burn_in` that are not integers in range, a
    `key` that is not one random key, a `checkpoint` in a folder that does not exist, a
    `bout_length` that does not fit in the training span after the burn-in, or a `mesh`
    given for a single pool or a population that does not divide over its devices.
    """
    objective_fn = _objective_function(objective)
    if not 0 <= val_fraction < 1:
        raise ValueError(f"`val_fraction` must lie in [0, 1); got {val_fraction!r}.")
    bout_length = checked_bout_length(bout_length)
    steps = checked_int(steps, "steps", 1)
    steps_per_chunk = checked_int(steps_per_chunk, "steps_per_chunk", 1)
    batch_size = checked_int(batch_size, "batch_size", 1)
    burn_in = None if burn_in is None else checked_int(burn_in, "burn_in", 0)
    _check_key(key)
    if checkpoint is not None and not Path(checkpoint).parent.is_dir():
        raise ValueError(
            f"`checkpoint`: the folder {os.fspath(Path(checkpoint).parent)!r} does not exist; "
            "create it first."
        )
    prices = checked_prices(prices, pool=pool)
    population = pool.initial_weights_logits.ndim == 2
    if mesh is not None:
        pool, prices = _shard(pool, prices, mesh, population)
    n_minutes = prices.shape[0]
    n_train = int(round(n_minutes * (1 - val_fraction)))
    first_start = config.chunk_period if burn_in is None else max(burn_in, config.chunk_period)
    last_start = n_train - bout_length
    if last_start < first_start:
        raise ValueError(
            f"`bout_length`={bout_length} does not fit in the training span: minutes "
            f"[{first_start}, {n_train}) leave {max(n_train - first_start, 0)} minutes after the "
            "burn-in. Shorten the bout, lower `val_fraction` or `burn_in`, or add data."
        )
    validate = val_fraction > 0
    if validate and n_minutes - n_train < 2:
        raise ValueError("The validation span is shorter than 2 minutes: raise `val_fraction`.")
    train_prices = prices[:n_train]

    params, frozen = eqx.partition(pool, trainable_filter(pool))
    if optimizer is None:
        optimizer = optax.chain(optax.clip_by_global_norm(10.0), optax.adam(0.05))

    def member_objective(params, frozen, starts):
        member = eqx.combine(params, frozen)

        def one(start):
            # Windows lie in the training span by construction: no per-window checks.
            result = _simulate(member, train_prices, config, start, bout_length, "scan")
            return objective_fn(result)

        return jnp.mean(jax.vmap(one)(starts))

    def member_validation(params, frozen):
        member = eqx.combine(params, frozen)
        result = _simulate(member, prices, config, n_train, n_minutes - n_train, "scan")
        return objective_fn(result)

    def member_step(params, frozen, opt_state, starts):
        value, grads = eqx.filter_value_and_grad(member_objective)(params, frozen, starts)
        grads = jax.tree_util.tree_map(jnp.negative, grads)  # optax minimises
        finite = _all_finite(grads) & jnp.isfinite(value)
        updates, new_state = optimizer.update(grads, opt_state, params)
        new_params = eqx.apply_updates(params, updates)
        params = jax.tree_util.tree_map(lambda n, o: jnp.where(finite, n, o), new_params, params)
        opt_state = jax.tree_util.tree_map(
            lambda n, o: jnp.where(finite, n, o), new_state, opt_state
        )
        validation = member_validation(params, frozen) if validate else value
        return params, opt_state, (value, validation, ~finite)

    # A population maps every member's own parameters (trainable and frozen) over axis 0.
    if population:
        member_axis = eqx.if_array(0)
        init_state = eqx.filter_vmap(optimizer.init)(params)
        if mesh is not None:
            init_state = jax.device_put(init_state, _member_sharding(mesh))
        step_fn = eqx.filter_vmap(
            member_step, in_axes=(member_axis, member_axis, member_axis, None)
        )
        validation_fn = eqx.filter_vmap(member_validation)
    else:
        init_state = optimizer.init(params)
        step_fn = member_step
        validation_fn = member_validation
    try:
        initial_validation = validation_fn(params, frozen) if validate else None
    except ValueError as error:  # the objective refuses the validation span
        raise ValueError(
            f"The validation span ({n_minutes - n_train} minutes) does not suit the objective: "
            f"{error} Raise `val_fraction`, or add data."
        ) from error

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def run_chunk(params, opt_state, key):
        def body(carry, step_key):
            params, opt_state = carry
            starts = jax.random.randint(step_key, (batch_size,), first_start, last_start + 1)
            params, opt_state, history = step_fn(params, frozen, opt_state, starts)
            return (params, opt_state), (params, history)

        keys = jax.random.split(key, steps_per_chunk)
        (params, opt_state), (path, history) = lax.scan(body, (params, opt_state), keys)
        return params, opt_state, path, history

    initial_scores = None if initial_validation is None else _to_host(initial_validation)
    best_score = -np.inf if initial_scores is None else np.max(initial_scores)
    best = (
        pool,
        -1,
        int(np.argmax(initial_scores)) if population and initial_scores is not None else 0,
    )
    if validate and checkpoint is not None and jax.process_index() == 0:
        save_pool(checkpoint, _member(best[0], best[2], population))  # the start: best so far
    histories = []
    opt_state = init_state
    bar = _progress_bar(steps, progress)
    done, take, path = 0, steps_per_chunk, params
    while done < steps:
        key, chunk_key = jax.random.split(key)
        params, opt_state, path, history = run_chunk(params, opt_state, chunk_key)
        take = min(steps_per_chunk, steps - done)
        train_values, val_values, skipped = (_to_host(h)[:take] for h in history)
        histories.append((train_values, val_values, skipped))
        flat = np.where(np.isfinite(val_values), val_values, -np.inf)
        if not validate:  # the result is the final pool: checkpoint the current one
            if checkpoint is not None and jax.process_index() == 0:
                current = jax.tree_util.tree_map(lambda leaf: leaf[take - 1], path)
                member = int(np.argmax(np.atleast_1d(train_values[-1]))) if population else 0
                save_pool(checkpoint, _member(eqx.combine(current, frozen), member, population))
        elif flat.max() > best_score:
            best_score = float(flat.max())
            step_in_chunk, member = (
                np.unravel_index(np.argmax(flat), flat.shape)
                if population
                else (int(np.argmax(flat)), 0)
            )
            chosen = jax.tree_util.tree_map(lambda leaf: leaf[step_in_chunk], path)
            best = (eqx.combine(chosen, frozen), done + int(step_in_chunk), int(member))
            if checkpoint is not None and jax.process_index() == 0:
                save_pool(checkpoint, _member(best[0], best[2], population))
        done += take
        bar.update(take)
        bar.set_postfix(best=f"{best_score:.4g}")
    bar.close()
    if take < steps_per_chunk:  # the last chunk ran past `steps`: its extra steps are dropped
        params = jax.tree_util.tree_map(lambda leaf: leaf[take - 1], path)
    train_objective, val_objective, skipped = (np.concatenate(parts) for parts in zip(*histories))
    final_pool = eqx.combine(params, frozen)
    if not validate:
        # Without validation the training objective is noisy per step: keep the final pool.
        final_scores = np.atleast_1d(train_objective[-1])
        best = (final_pool, steps - 1, int(np.argmax(final_scores)) if population else 0)
    return FitResult(
        pool=_member(best[0], best[2], population),
        final_pool=final_pool,
        train_objective=jnp.asarray(train_objective),
        val_objective=jnp.asarray(val_objective) if validate else None,
        skipped=jnp.asarray(skipped),
        best_step=best[1],
        best_member=best[2],
    )


def _check_key(key: object) -> None:
    """A JAX random key: typed (`jax.random.key`) or raw (`jax.random.PRNGKey`)."""
    if isinstance(key, jax.Array):
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
            return
        if key.dtype == jnp.uint32 and key.shape == (2,):
            return
    raise ValueError(f"`key` must be one JAX random key, e.g. jax.random.key(0); got {key!r}.")


def _member(pool: AbstractTFMMPool, index: int, population: bool) -> AbstractTFMMPool:
    if not population:
        return pool

    def pick(leaf: Array) -> Array:
        if leaf.is_fully_addressable:
            return leaf[index]
        return jnp.asarray(_to_host(leaf)[index])  # sharded across hosts: gather it first

    return jax.tree_util.tree_map(pick, pool)


def _member_sharding(mesh: Mesh) -> NamedSharding:
    """Split the leading (population) axis over every device of `mesh`."""
    return NamedSharding(mesh, PartitionSpec(mesh.axis_names))


def _shard(
    pool: AbstractTFMMPool, prices: Array, mesh: Mesh, population: bool
) -> tuple[AbstractTFMMPool, Array]:
    """Place a population's members across `mesh` and replicate the prices on it."""
    if not population:
        raise ValueError(
            "`mesh` shards a population: pass a stacked pool (every field with a leading "
            "population axis, e.g. `jax.tree_util.tree_map(lambda *x: jnp.stack(x), *pools)`), "
            "or drop `mesh`."
        )
    size = pool.initial_weights_logits.shape[0]
    if size % mesh.size:
        raise ValueError(
            f"The population of {size} does not divide over the mesh's {mesh.size} devices: "
            "use a multiple of the device count."
        )
    pool = jax.device_put(pool, _member_sharding(mesh))
    return pool, jax.device_put(prices, NamedSharding(mesh, PartitionSpec()))


def _to_host(array: Array) -> np.ndarray:
    """A NumPy copy of `array`, gathered from every host when sharded across several."""
    if isinstance(array, jax.Array) and not array.is_fully_addressable:
        return np.asarray(multihost_utils.process_allgather(array, tiled=True))
    return np.asarray(array)


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kwargs: object) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fit", unit="step")
