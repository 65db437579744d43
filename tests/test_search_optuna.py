"""`quantamm_eqx.search`: the human-unit search space and `optuna_search` (known optimum,
resuming, several worker processes, pruning, refusals)."""

import math
import subprocess
import sys
import textwrap

import numpy as np
import optuna
import pytest

from quantamm_eqx import (
    MeanReversionChannelPool,
    MomentumPool,
    SimulationConfig,
    parameter_specs,
    simulate,
)
from quantamm_eqx.metrics import returns
from quantamm_eqx.search import SearchSpace, optuna_search, search_space
from quantamm_eqx.training import split_index

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
POOL = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, k_per_day=20.0, chunk_period=60)


def _prices(days: float = 3.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 1e-3, (int(days * 1440), 2)) + np.array([2e-5, -2e-5])
    return np.exp(np.cumsum(steps, axis=0))


def _squareplus(x: float) -> float:
    return (x + math.sqrt(x * x + 4.0)) / 2.0


def _memory_days(logit_lamb: float, chunk_period: int) -> float:
    lamb = 1.0 / (1.0 + math.exp(-logit_lamb))
    return (6 * lamb / (1 - lamb) ** 3) ** (1 / 3) * 2 * chunk_period / 1440


@pytest.mark.parametrize("chunk_period", [60, 1440])
def test_ranges_are_the_transforms_of_the_stored_ranges(chunk_period):
    specs = parameter_specs(MeanReversionChannelPool)
    space = search_space(MeanReversionChannelPool, chunk_period=chunk_period)
    ranges = {p.name: (p.field, p.low, p.high, p.log) for p in space.parameters}
    assert list(ranges) == ["memory_days", "k_per_day", "width", "amplitude_per_day", "exponents"]
    for name, (field, low, high, log) in ranges.items():
        spec = specs[field]
        if name == "memory_days":
            expected = [_memory_days(x, chunk_period) for x in (spec.low, spec.high)]
        else:
            expected = [_squareplus(x) for x in (spec.low, spec.high)]
        np.testing.assert_allclose([low, high], expected, rtol=1e-9)
        assert log == (high / low >= 10) and log  # every range spans a decade
    momentum = search_space(MomentumPool, chunk_period=chunk_period, max_memory_days=30.0)
    (memory, k) = momentum.parameters
    spec = parameter_specs(MomentumPool)["log_k"]
    np.testing.assert_allclose([k.low, k.high], [2**spec.low, 2**spec.high], rtol=1e-12)
    assert memory.high == 30.0 and (memory.field, k.field) == ("logit_lamb", "log_k")


def test_per_asset_space_and_building_a_pool():
    space = search_space(POOL, chunk_period=60, per_asset=True)
    names = [p.name for p in space.parameters]
    assert names == ["memory_days[0]", "memory_days[1]", "k_per_day[0]", "k_per_day[1]"]
    pool = space.pool({"memory_days[1]": 5.0, "k_per_day[0]": 8.0})
    days = np.asarray(pool.memory_days(CONFIG))
    np.testing.assert_allclose(days, [1.0, 5.0], rtol=1e-9)
    np.testing.assert_allclose(np.asarray(pool.log_k), [3.0, math.log2(20.0)], rtol=1e-12)
    with pytest.raises(ValueError, match="values"):
        space.pool({"width": 1.0})
    with pytest.raises(ValueError, match="n_assets"):
        search_space(MomentumPool, chunk_period=60, per_asset=True)
    with pytest.raises(ValueError, match="pool_or_class"):
        search_space(SimulationConfig, chunk_period=60)


def test_sampled_pools_lie_in_range():
    prices = _prices()
    result = optuna_search(
        POOL, prices, CONFIG, n_trials=6, objective="returns", progress=False, seed=3
    )
    space = search_space(POOL, chunk_period=60, max_memory_days=CONFIG.max_memory_days)
    specs = parameter_specs(MomentumPool)
    assert len(result.study.trials) == 6
    for trial in result.study.trials:
        for parameter in space.parameters:
            assert parameter.low <= trial.params[parameter.name] <= parameter.high
        pool = space.pool(trial.params)
        for field in ("logit_lamb", "log_k"):
            stored = np.asarray(getattr(pool, field))
            assert np.all(specs[field].low - 1e-9 <= stored)
            assert np.all(stored <= specs[field].high + 1e-9)
    values = [row.value for row in result.best_trials]
    assert values == sorted(values, reverse=True) and values[0] == result.value
    best = simulate(result.pool, prices, CONFIG, start_index=3240, bout_length=1080)
    assert float(returns(best)) == pytest.approx(result.value, rel=1e-9)


def test_search_finds_the_optimum_of_a_grid():
    """One parameter (the memory, with k fixed): the best of 40 TPE trials is within a small
    tolerance of the best of a fine grid of the library's own simulations."""
    prices = _prices(days=4.0, seed=1)
    n_train = split_index(prices.shape[0], 0.25)
    space = search_space(POOL, chunk_period=60)
    memory = space.parameters[0]._replace(low=0.1, high=20.0)
    space = space._replace(parameters=(memory,))

    def value(days: float) -> float:
        pool = space.pool({"memory_days": days})
        bout = prices.shape[0] - n_train
        return float(returns(simulate(pool, prices, CONFIG, start_index=n_train, bout_length=bout)))

    grid = np.geomspace(0.1, 20.0, 60)
    values = np.array([value(days) for days in grid])
    result = optuna_search(
        POOL, prices, CONFIG, n_trials=40, objective="returns", space=space, progress=False
    )
    spread = values.max() - values.min()
    assert spread > 0
    assert result.value >= values.max() - 0.02 * spread
    assert 0.1 <= result.params["memory_days"] <= 20.0
    assert result.value == pytest.approx(value(result.params["memory_days"]), rel=1e-9)


def test_a_sqlite_study_resumes(tmp_path):
    storage = tmp_path / "study.db"
    prices = _prices()
    options = dict(n_trials=3, objective="returns", progress=False, storage=storage)
    first = optuna_search(POOL, prices, CONFIG, **options)
    assert len(first.study.trials) == 3
    second = optuna_search(POOL, prices, CONFIG, **options)
    trials = second.study.trials
    assert len(trials) == 6
    assert [t.number for t in trials] == list(range(6))
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 6  # no point repeated
    assert second.value >= first.value
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        optuna_search(POOL, prices, CONFIG, **options, load_if_exists=False)


_WORKER = """
import numpy as np, sys
from quantamm_eqx import MomentumPool, SimulationConfig
from quantamm_eqx.search import optuna_search
config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
pool = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
rng = np.random.default_rng(0)
prices = np.exp(np.cumsum(rng.normal(0, 1e-3, (2 * 1440, 2)), axis=0))
optuna_search(pool, prices, config, n_trials=3, objective="returns", progress=False,
              storage=sys.argv[1], seed=int(sys.argv[2]))
"""


def test_two_worker_processes_share_one_sqlite_study(tmp_path):
    storage = str(tmp_path / "shared.db")
    optuna.create_study(storage=f"sqlite:///{storage}", study_name="quantamm-eqx")
    script = textwrap.dedent(_WORKER)
    workers = [
        subprocess.Popen([sys.executable, "-c", script, storage, str(seed)], stderr=subprocess.PIPE)
        for seed in (1, 2)
    ]
    for worker in workers:
        _, error = worker.communicate(timeout=120)
        assert worker.returncode == 0, error.decode()
    study = optuna.load_study(study_name="quantamm-eqx", storage=f"sqlite:///{storage}")
    trials = study.trials
    assert len(trials) == 6 and sorted(t.number for t in trials) == list(range(6))
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 6


class _PruneOdd(optuna.pruners.BasePruner):
    """Prunes every odd-numbered trial at its first intermediate value."""

    def prune(self, study, trial) -> bool:
        return trial.number % 2 == 1 and trial.last_step is not None


def test_pruning_on_intermediate_values():
    result = optuna_search(
        POOL, _prices(), CONFIG, n_trials=4, objective="returns", progress=False,
        refine_steps=2, refine_chunk=1, pruner=_PruneOdd(),
    )  # fmt: skip
    trials = result.study.trials
    assert [t.state.name for t in trials] == ["COMPLETE", "PRUNED"] * 2
    assert [sorted(t.intermediate_values) for t in trials] == [[0, 1, 2], [0]] * 2
    for trial in trials[::2]:  # the value is the best reported, refinement included
        assert trial.value == max(trial.intermediate_values.values())
        assert set(trial.user_attrs["pool"]) == {"log_k", "logit_lamb"}
    refined = result.study.trials[result.best_trials[0].number].user_attrs["pool"]
    np.testing.assert_allclose(np.asarray(result.pool.log_k), refined["log_k"])


def test_median_pruner_prunes_poor_trials():
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0)
    result = optuna_search(
        POOL, _prices(), CONFIG, n_trials=8, objective="returns", progress=False,
        refine_steps=1, pruner=pruner,
    )  # fmt: skip
    states = [t.state.name for t in result.study.trials]
    assert "PRUNED" in states and "COMPLETE" in states


def test_optuna_stays_quiet_outside_the_call():
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        optuna_search(POOL, _prices(), CONFIG, n_trials=1, objective="returns", progress=False)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.INFO)


@pytest.mark.parametrize(
    "options, name",
    [
        ({"n_trials": 0}, "n_trials"),
        ({"val_fraction": 0.0}, "val_fraction"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"val_fraction": 0.9999}, "val_fraction"),
        ({"objective": "nope"}, "objective"),
        ({"refine_steps": -1}, "refine_steps"),
        ({"top": 0}, "top"),
    ],
)
def test_bad_input_names_the_argument(options, name):
    arguments = {"n_trials": 1, "progress": False, "objective": "returns"} | options
    with pytest.raises(ValueError, match=name):
        optuna_search(POOL, _prices(), CONFIG, **arguments)


def test_missing_optuna_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"pip install 'quantamm_eqx\[search\]'"):
        optuna_search(POOL, _prices(), CONFIG, n_trials=1)


def test_space_is_a_named_tuple():
    space = search_space(MomentumPool, chunk_period=1440)
    assert isinstance(space, SearchSpace) and space.template is None
    pool = space.pool({"k_per_day": 4.0}, n_assets=3)
    np.testing.assert_allclose(np.asarray(pool.log_k), [2.0, 2.0, 2.0])
