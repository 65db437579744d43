"""A trial's pool refined by gradient steps, its validation objective reported to the trial
after each chunk so that Optuna can prune it (`optuna_search(refine_steps=...)`)."""

import equinox as eqx
import jax
import numpy as np

from ..pools import trainable_filter
from ..training import build_chunk, build_step, default_optimizer


class Refiner:
    """Refines a trial's pool by gradient steps, reporting validation values for pruning."""

    def __init__(self, pool, prices, config, objective_fn, n_train, steps, chunk):
        first = config.chunk_period
        self.training = build_step(
            prices, config, objective=objective_fn, optimizer=default_optimizer(),
            bout_length=n_train - first, n_train=n_train, validate=True, population=False,
        )  # fmt: skip
        self.frozen = eqx.partition(pool, trainable_filter(pool))[1]
        self.validation = eqx.filter_jit(self.training.validation)
        self.steps, self.chunk, self.first = steps, min(chunk, steps), first
        self.run_chunk = None  # compiled on the first trial that is not pruned at once

    def __call__(self, pool, trial, key, optuna):
        params, frozen = eqx.partition(pool, trainable_filter(pool))
        best_value = float(self.validation(params, frozen))
        best = params
        trial.report(best_value, 0)
        if trial.should_prune():
            raise optuna.TrialPruned()
        if self.run_chunk is None:
            self.run_chunk = build_chunk(
                self.training, self.frozen, batch_size=1, first_start=self.first,
                last_start=self.first, steps_per_chunk=self.chunk,
            )  # fmt: skip
        opt_state = self.training.init(params)
        done = 0
        while done < self.steps:
            take = min(self.chunk, self.steps - done)
            params, opt_state, path, records = self.run_chunk(params, opt_state, key, done, take)
            values = np.asarray(records.val_objective)[:take]
            finite = np.where(np.isfinite(values), values, -np.inf)
            if finite.max() > best_value:
                index = int(np.argmax(finite))
                best_value = float(finite[index])
                best = jax.tree_util.tree_map(lambda leaf, i=index: leaf[i], path)
            done += take
            trial.report(float(values[-1]), done)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return best_value, eqx.combine(best, frozen)
