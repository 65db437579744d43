"""`compat.from_quantammsim`: reference parameters and settings to a pool and configuration."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from golden import SCENARIO_PATHS, load_scenario

from quantamm_eqx import AntiMomentumPool, MeanReversionChannelPool, MomentumPool, SimulationConfig
from quantamm_eqx.compat import config_from_settings, from_quantammsim

MOMENTUM_PARAMS = {
    "log_k": np.array([4.0, 5.0, 6.0]),
    "logit_lamb": np.array([3.0, 4.0, 5.0]),
    "logit_delta_lamb": np.array([0.5, 0.0, -0.5]),
    "initial_weights_logits": np.array([1.0, 1.0, 1.0]),
    "subsidary_params": [],
}
SETTINGS = {"chunk_period": 60, "weight_interpolation_period": 60, "n_assets": 3}


def prices(n_minutes=12 * 60 + 1, n_assets=3):
    rng = np.random.default_rng(1)
    return 50.0 * np.exp(np.cumsum(rng.normal(0.0, 2e-3, (n_minutes, n_assets)), axis=0))


@pytest.mark.parametrize(
    "rule, pool_class",
    [
        ("momentum", MomentumPool),
        ("anti_momentum", AntiMomentumPool),
        ("mean_reversion_channel", MeanReversionChannelPool),
    ],
)
def test_every_golden_scenario_maps_to_its_pool_and_settings(rule, pool_class):
    for path in SCENARIO_PATHS:
        scenario = load_scenario(path)
        if scenario.settings["rule"] != rule:
            continue
        pool, config = from_quantammsim(rule, scenario.params, scenario.settings)
        assert type(pool) is pool_class
        assert pool.n_assets == scenario.settings["n_assets"]
        assert config.chunk_period == scenario.settings["chunk_period"]
        assert config.interpolation == scenario.settings["weight_interpolation_method"]
        assert config.minimum_weight == scenario.settings["minimum_weight"]
        assert config.use_alt_lamb == scenario.settings["use_alt_lamb"]
        assert config.fees == scenario.settings["fees"]
        for name, value in scenario.params.items():
            np.testing.assert_array_equal(getattr(pool, name), value)


def test_missing_settings_take_the_reference_defaults_and_unknown_keys_are_ignored():
    config = config_from_settings(
        {"tokens": ["BTC", "ETH"], "freq": "minute", "minimum_weight": None}
    )
    assert config == SimulationConfig()
    assert (config.chunk_period, config.maximum_change, config.max_memory_days) == (
        1440,
        3e-4,
        365.0,
    )


def test_missing_logit_delta_lamb_defaults_to_zero():
    params = {k: v for k, v in MOMENTUM_PARAMS.items() if k != "logit_delta_lamb"}
    pool, _ = from_quantammsim("momentum", params, SETTINGS)
    np.testing.assert_array_equal(pool.logit_delta_lamb, 0.0)


def test_stacked_parameter_sets_give_a_stacked_pool():
    stacked_params = {
        name: np.stack([value, value + offset])
        for name, value in MOMENTUM_PARAMS.items()
        if name != "subsidary_params"
        for offset in [0.25]
    }
    pool, config = from_quantammsim("momentum", stacked_params, SETTINGS)
    assert pool.log_k.shape == (2, 3)
    batched = eqx.filter_vmap(lambda member: member.rule_outputs(prices(), config))(pool)
    for index in range(2):
        single, _ = from_quantammsim(
            "momentum", {name: value[index] for name, value in stacked_params.items()}, SETTINGS
        )
        np.testing.assert_allclose(
            batched[index], single.rule_outputs(prices(), config), rtol=1e-13
        )


def test_unknown_rule():
    with pytest.raises(
        ValueError,
        match=r"`rule` must be one of \['anti_momentum', 'mean_reversion_channel', 'momentum'\]; "
        r"got 'power_channel'",
    ):
        from_quantammsim("power_channel", MOMENTUM_PARAMS, SETTINGS)


def test_missing_parameter_is_named():
    params = {k: v for k, v in MOMENTUM_PARAMS.items() if k != "log_k"}
    with pytest.raises(ValueError, match="params is missing 'log_k', which a MomentumPool needs"):
        from_quantammsim("momentum", params, SETTINGS)
    with pytest.raises(ValueError, match=r"params is missing 'sp_k' \(or its older name 'log_k'\)"):
        from_quantammsim("mean_reversion_channel", params, SETTINGS)
    # The channel reads momentum's `log_k` as its older name for `sp_k`: the next is missing.
    with pytest.raises(ValueError, match="params is missing 'sp_width'"):
        from_quantammsim("mean_reversion_channel", MOMENTUM_PARAMS, SETTINGS)


def test_non_finite_parameter_is_named():
    params = {**MOMENTUM_PARAMS, "logit_lamb": np.array([3.0, np.inf, 5.0])}
    with pytest.raises(ValueError, match=r"params\['logit_lamb'\] must be finite"):
        from_quantammsim("momentum", params, SETTINGS)
    params = {**MOMENTUM_PARAMS, "log_k": ["a", "b", "c"]}
    with pytest.raises(ValueError, match=r"params\['log_k'\] must be numbers"):
        from_quantammsim("momentum", params, SETTINGS)


def test_parameter_lengths_that_disagree():
    params = {**MOMENTUM_PARAMS, "log_k": np.array([4.0, 5.0])}
    with pytest.raises(ValueError, match="`log_k` must be a vector of length 1 or n_assets=3"):
        from_quantammsim("momentum", params, SETTINGS)
    params = {**MOMENTUM_PARAMS, "log_k": np.ones((2, 3))}
    with pytest.raises(ValueError, match="params must all be per-asset vectors"):
        from_quantammsim("momentum", params, SETTINGS)
    stacked = {name: np.stack([value] * 3) for name, value in MOMENTUM_PARAMS.items()}
    stacked["log_k"] = np.ones((2, 3))
    with pytest.raises(ValueError, match="the same number of parameter sets"):
        from_quantammsim("momentum", stacked, SETTINGS)


def test_settings_that_contradict_the_parameters():
    with pytest.raises(
        ValueError, match=r"settings\['n_assets'\] is 4 but the parameters describe 3 assets"
    ):
        from_quantammsim("momentum", MOMENTUM_PARAMS, {**SETTINGS, "n_assets": 4})
    with pytest.raises(
        ValueError, match=r"settings\['rule'\] is 'anti_momentum' but `rule` is 'momentum'"
    ):
        from_quantammsim("momentum", MOMENTUM_PARAMS, {**SETTINGS, "rule": "anti_momentum"})
    with pytest.raises(ValueError, match="`maximum_change` must be positive"):
        from_quantammsim("momentum", MOMENTUM_PARAMS, {**SETTINGS, "maximum_change": -1})


def test_channel_without_pre_exp_scaling_needs_no_sp_pre_exp_scaling():
    params = {
        "sp_k": jnp.full(2, 3.0),
        "logit_lamb": jnp.full(2, 3.0),
        "sp_width": jnp.zeros(2),
        "sp_amplitude": jnp.zeros(2),
        "sp_exponents": jnp.zeros(2),
        "initial_weights_logits": jnp.zeros(2),
    }
    pool, config = from_quantammsim(
        "mean_reversion_channel", params, {"use_pre_exp_scaling": False}
    )
    assert pool.pre_exp_scaling(config) == 0.5
    with pytest.raises(ValueError, match="params is missing 'sp_pre_exp_scaling'"):
        from_quantammsim("mean_reversion_channel", params, {"use_pre_exp_scaling": True})


def test_realism_settings_are_mapped():
    config = config_from_settings(
        {"noise_trader_ratio": 1.5, "protocol_fee_split": 0.1, "arb_frequency": 5, "do_arb": False}
    )
    assert (config.noise_trader_ratio, config.protocol_fee_split) == (1.5, 0.1)
    assert (config.arb_frequency, config.do_arb) == (5, False)


@pytest.mark.parametrize(
    "key, value",
    [("price_noise_sigma", 0.01), ("turnover_penalty", 0.1), ("arb_quality", 0.5),
     ("do_trades", True)],
)  # fmt: skip
def test_unsupported_settings_are_refused_not_dropped(key, value):
    with pytest.raises(ValueError, match=rf"settings\['{key}'\] is {value!r}: quantamm_eqx has no"):
        config_from_settings({key: value})
    default = {"price_noise_sigma": 0.0, "turnover_penalty": 0.0, "arb_quality": 1.0}
    config_from_settings({key: default.get(key, False)})  # the default is accepted
