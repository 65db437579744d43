"""`compat.from_quantammsim_results`: a quantammsim results file to a pool and configuration."""

import json

import equinox as eqx
import jax
import numpy as np
import pytest
from golden import GOLDEN_DIR, load_scenario

from quantamm_eqx import MeanReversionChannelPool, MomentumPool, simulate
from quantamm_eqx.compat import from_quantammsim, from_quantammsim_results
from quantamm_eqx.transforms import inverse_squareplus, squareplus

jax.config.update("jax_enable_x64", True)  # as tests/conftest.py


class _NumpyEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, np.ndarray | np.generic):
            return o.tolist()
        return super().default(o)


def write_results(path, fingerprint, steps):
    """As quantammsim's `save_multi_params`: the list `[fingerprint, *steps]` JSON-encoded
    (arrays as nested lists, NaN as `NaN`, keys sorted), and that string JSON-encoded again."""
    encoded = json.dumps([fingerprint, *steps], cls=_NumpyEncoder, sort_keys=True)
    path.write_text(json.dumps(encoded, indent=4))
    return path


FINGERPRINT = {
    "rule": "momentum",
    "tokens": ["USDC", "BTC", "ETH"],
    "chunk_period": 60,
    "weight_interpolation_period": 60,
    "optimisation_settings": {"early_stopping_metric": "daily_log_sharpe", "n_parameter_sets": 3},
    "subsidary_pools": [],
}
#: Per step: validation and training scores of the 3 sets, and a diverged (NaN) set or None.
SCORES = [
    ([0.0, 0.5, 0.1], [0.1, 0.2, 0.3], None),
    ([0.2, 9.0, 0.4], [0.5, 7.0, 0.2], 1),  # set 1 diverged: its high scores must not count
    ([0.6, 0.1, 0.3], [0.3, 0.4, 0.45], None),
]


def momentum_step(index, validation, train, diverged):
    rng = np.random.default_rng(index)
    step = {
        "log_k": rng.uniform(3.0, 6.0, (3, 3)),
        "logit_lamb": rng.uniform(2.0, 5.0, (3, 3)),
        "logit_delta_lamb": np.zeros((3, 3)),
        "initial_weights_logits": np.ones((3, 3)),
        "subsidary_params": [],
        "step": 10 * index,
        "hessian_trace": 0,
        "local_learning_rate": 0.1,
        "iterations_since_improvement": 0,
        "objective": np.array(train),
        "train_objective": [{"daily_log_sharpe": v, "sharpe": -v} for v in train],
        "validation_metrics": [{"daily_log_sharpe": v, "sharpe": -v} for v in validation],
        "test_objective": [{"daily_log_sharpe": 100.0, "sharpe": 1.0} for _ in train],
    }
    if diverged is not None:
        step["log_k"][diverged] = np.nan
    return step


STEPS = [momentum_step(index, *scores) for index, scores in enumerate(SCORES)]


@pytest.fixture
def results(tmp_path):
    return write_results(tmp_path / "run_abc.json", FINGERPRINT, STEPS)


def assert_pool_is(pool, step, parameter_set):
    for name in ("log_k", "logit_lamb", "logit_delta_lamb", "initial_weights_logits"):
        np.testing.assert_array_equal(getattr(pool, name), STEPS[step][name][parameter_set])


def test_best_is_the_best_finite_set_by_validation_metric(results):
    run = from_quantammsim_results(results)
    assert type(run.pool) is MomentumPool and run.rule == "momentum"
    assert (run.step, run.iteration, run.parameter_set, run.objective) == (2, 20, 0, 0.6)
    assert run.objective_name == "validation_metrics['daily_log_sharpe']"
    assert run.assets == ("BTC", "ETH", "USDC")  # sorted, as the reference loads prices
    assert run.config.chunk_period == 60
    assert_pool_is(run.pool, 2, 0)


def test_the_score_can_be_chosen(results):
    run = from_quantammsim_results(results, select_by="train_objective")
    assert (run.step, run.parameter_set, run.objective) == (1, 0, 0.5)  # not the NaN set's 7.0
    run = from_quantammsim_results(results, metric="sharpe")  # -validation: the lowest wins
    assert (run.step, run.parameter_set, run.objective) == (0, 0, -0.0)
    run = from_quantammsim_results(results, select_by="objective")  # numbers, not dicts
    assert (run.step, run.parameter_set, run.objective_name) == (1, 0, "objective")


def test_explicit_steps_and_sets(results):
    run = from_quantammsim_results(results, step="last")
    assert (run.step, run.parameter_set) == (2, 0)
    run = from_quantammsim_results(results, step=1)  # its best finite set
    assert (run.step, run.parameter_set, run.objective) == (1, 2, 0.4)
    run = from_quantammsim_results(results, step=-3, parameter_set=2)
    assert (run.step, run.parameter_set, run.objective) == (0, 2, 0.1)
    assert_pool_is(run.pool, 0, 2)
    run = from_quantammsim_results(results, parameter_set=2)  # set 2's best step
    assert (run.step, run.parameter_set) == (1, 2)


def test_a_stack_keeps_every_set(results):
    run = from_quantammsim_results(results, parameter_set=None)  # step 1 has a NaN set
    assert (run.step, run.parameter_set, run.objective) == (2, None, 0.6)
    assert run.pool.log_k.shape == (3, 3)
    np.testing.assert_array_equal(run.pool.log_k, STEPS[2]["log_k"])


def test_non_finite_sets_are_refused_when_chosen(results):
    with pytest.raises(ValueError, match=r"step 1 holds non-finite parameters .* set\(s\) \[1\]"):
        from_quantammsim_results(results, step=1, parameter_set=1)
    with pytest.raises(ValueError, match="step 1 holds non-finite parameters"):
        from_quantammsim_results(results, step=1, parameter_set=None)


def test_out_of_range_and_wrong_kind(results):
    with pytest.raises(
        ValueError, match=r"`step` is 3 but there are 3 saved steps: pass an int in \[-3, 2\]"
    ):
        from_quantammsim_results(results, step=3)
    with pytest.raises(ValueError, match=r"`parameter_set` is -4 .* \[-3, 2\]"):
        from_quantammsim_results(results, parameter_set=-4)
    with pytest.raises(ValueError, match="`step` must be 'best', 'last' or an int; got 'first'"):
        from_quantammsim_results(results, step="first")
    with pytest.raises(ValueError, match="`parameter_set` must be 'best', an int or None"):
        from_quantammsim_results(results, parameter_set=True)
    with pytest.raises(ValueError, match="`select_by` is 'val' but no saved step has that key"):
        from_quantammsim_results(results, select_by="val")
    with pytest.raises(ValueError, match=r"no saved step has eligible .*\['calmar'\]"):
        from_quantammsim_results(results, metric="calmar")


def test_price_columns_must_be_the_assets_in_the_reference_order(results):
    from_quantammsim_results(results, price_columns=["BTC", "ETH", "USDC"])
    with pytest.raises(ValueError, match=r"`price_columns` \['BTC', 'ETH'\] are not the run's"):
        from_quantammsim_results(results, price_columns=["BTC", "ETH"])
    with pytest.raises(
        ValueError,
        match=r"reorder the price columns to that order, e.g. `prices\[:, \[1, 0, 2\]\]`",
    ):
        from_quantammsim_results(results, price_columns=["ETH", "BTC", "USDC"])


def test_subsidiary_pools_tokens_count(tmp_path):
    fingerprint = {
        **FINGERPRINT,
        "tokens": ["USDC", "BTC"],
        "subsidary_pools": [{"tokens": ["ETH"]}],
    }
    path = write_results(tmp_path / "run.json", fingerprint, STEPS)
    assert from_quantammsim_results(path).assets == ("BTC", "ETH", "USDC")


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "is not a file"),
        ("{not json", "is not JSON"),
        (json.dumps(json.dumps({"a": 1})), r"must hold a JSON list `\[run_fingerprint, step"),
        (json.dumps(json.dumps([FINGERPRINT])), "at least one saved step"),
        (json.dumps([{**FINGERPRINT, "rule": "power_channel"}, STEPS[0]], cls=_NumpyEncoder),
         "the results file's rule is 'power_channel'"),
        (json.dumps([{"rule": "momentum"}, STEPS[0]], cls=_NumpyEncoder), "has no 'tokens' list"),
        (json.dumps([FINGERPRINT, {"step": 0}]), "saved step 0 must hold the momentum pool's"),
    ],
)  # fmt: skip
def test_bad_files_are_named(tmp_path, content, message):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        from_quantammsim_results(path)


# The channel's older names, as the reference reads them (2**x, sigmoid, squareplus).
LEGACY = {
    "log_k": np.array([4.3, 3.0, 5.5]),
    "logit_lamb": np.array([3.0, 4.0, 5.0]),
    "logit_delta_lamb": np.zeros(3),
    "initial_weights_logits": np.ones(3),
    "raw_width": np.array([-1.5, 0.2, 1.0]),
    "log_amplitude": np.array([0.5, -2.0, 1.5]),
    "raw_exponents": np.array([0.3, -0.4, 1.2]),
    "logit_pre_exp_scaling": np.array([-1.0, 0.0, 2.0]),
}


def current_names(legacy):
    """The same parameters under the `sp_*` names, through the library's own transforms."""
    pre_exp = 1 / (1 + np.exp(-legacy["logit_pre_exp_scaling"]))
    return {
        **{k: legacy[k] for k in ("logit_lamb", "logit_delta_lamb", "initial_weights_logits")},
        "sp_k": inverse_squareplus(2 ** legacy["log_k"]),
        "sp_width": inverse_squareplus(2 ** legacy["raw_width"]),
        "sp_amplitude": inverse_squareplus(2 ** legacy["log_amplitude"]),
        "sp_exponents": legacy["raw_exponents"],
        "sp_pre_exp_scaling": inverse_squareplus(pre_exp),
    }


def channel_prices():
    rng = np.random.default_rng(3)
    return 50.0 * np.exp(np.cumsum(rng.normal(0.0, 3e-3, (40 * 60 + 1, 3)), axis=0))


def test_legacy_channel_names_give_the_same_rule_outputs():
    settings = {"chunk_period": 60, "weight_interpolation_period": 60}
    legacy_pool, config = from_quantammsim("mean_reversion_channel", LEGACY, settings)
    pool, _ = from_quantammsim("mean_reversion_channel", current_names(LEGACY), settings)
    assert type(legacy_pool) is MeanReversionChannelPool
    np.testing.assert_allclose(squareplus(legacy_pool.sp_k), 2 ** LEGACY["log_k"], rtol=1e-15)
    np.testing.assert_allclose(legacy_pool.width, 2 ** LEGACY["raw_width"], rtol=1e-15)
    rule_outputs = eqx.filter_jit(lambda pool: pool.rule_outputs(channel_prices(), config))
    expected, outputs = rule_outputs(pool), rule_outputs(legacy_pool)  # one compilation
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(outputs, expected, rtol=1e-12, atol=1e-12 * scale)
    # `raw_pre_exp_scaling` (2**x) is read when the logit name is absent; an `sp_` name wins.
    raw = {k: v for k, v in LEGACY.items() if k != "logit_pre_exp_scaling"}
    raw["raw_pre_exp_scaling"] = np.log2(1 / (1 + np.exp(-LEGACY["logit_pre_exp_scaling"])))
    raw_pool, _ = from_quantammsim("mean_reversion_channel", raw, settings)
    np.testing.assert_allclose(raw_pool.sp_pre_exp_scaling, pool.sp_pre_exp_scaling, rtol=1e-12)
    both = {**LEGACY, "sp_width": np.array([0.1, 0.2, 0.3])}
    both_pool, _ = from_quantammsim("mean_reversion_channel", both, settings)
    np.testing.assert_array_equal(both_pool.sp_width, [0.1, 0.2, 0.3])


def test_legacy_names_in_a_results_file(tmp_path):
    step = {name: np.stack([value, value]) for name, value in LEGACY.items()}
    step["train_objective"] = [0.1, 0.2]  # the older format: one number per set
    fingerprint = {"rule": "mean_reversion_channel", "tokens": ["A", "B", "C"]}
    run = from_quantammsim_results(write_results(tmp_path / "run.json", fingerprint, [step]))
    assert (run.parameter_set, run.objective, run.objective_name) == (1, 0.2, "train_objective")
    expected, _ = from_quantammsim("mean_reversion_channel", LEGACY, fingerprint)
    for name in ("sp_k", "sp_width", "sp_amplitude", "sp_exponents", "sp_pre_exp_scaling"):
        np.testing.assert_array_equal(getattr(run.pool, name), getattr(expected, name))


@pytest.mark.parametrize("name", ["momentum_9", "mean_reversion_channel_5"])
def test_load_simulate_compare_with_the_reference(tmp_path, name):
    """A results file holding a golden scenario's parameters (second of two sets, the best),
    loaded and simulated, gives the reference's no-fee values: measured 1.6e-14 and 1.1e-14
    (max relative)."""
    scenario = load_scenario(GOLDEN_DIR / f"{name}.npz")
    tokens = ["ETH", "BTC", "USDC", "SOL"][: scenario.settings["n_assets"]]
    step = {k: np.stack([v + 0.25, v]) for k, v in scenario.params.items()}
    step.update(step=0, train_objective=[{"sharpe": 0.5}, {"sharpe": 1.5}])
    fingerprint = {**scenario.settings, "tokens": tokens}
    path = write_results(tmp_path / "run.json", fingerprint, [step])
    run = from_quantammsim_results(path, price_columns=sorted(tokens))
    assert run.parameter_set == 1
    values = simulate(run.pool, scenario.prices, run.config, **scenario.bout).values
    relative = np.max(np.abs(np.asarray(values) / scenario.expected["values"] - 1))
    assert relative < 1e-12, f"max relative difference {relative:.1e}"
