"""Parity with the reference's realism options (`tests/data/golden_realism/`, its README):
retail (noise) flow, the protocol fee split, arbitrage frequency and the arbitrage switch,
on the reference's static path (scalar costs), and per-minute fee, gas and arbitrage-fee
series, at the README's tolerances."""

import dataclasses
import pathlib

import equinox as eqx
import numpy as np
import pytest
from golden import load_scenario

from quantamm_eqx import MarketSeries, simulate
from quantamm_eqx.metrics import daily_log_sharpe
from quantamm_eqx.simulation import rebalancing_benchmark

REALISM_DIR = pathlib.Path(__file__).parent / "data" / "golden_realism"
#: The files with scalar costs (the `dynamic` ones hold per-minute fee series).
STATIC_PATHS = [
    path for path in sorted(REALISM_DIR.glob("*.npz")) if "fees_series" not in np.load(path).files
]
IDS = [path.stem for path in STATIC_PATHS]
#: Files whose reserves hold to rtol 1e-9 (gas > 0 throughout, or no decisions at the band's
#: edge); the others to the README's 1e-6 (micro trades decided by rounding).
TIGHT_RESERVES = {"103", "107", "111", "102", "106", "105", "109"}
DYNAMIC_PATHS = [
    path for path in sorted(REALISM_DIR.glob("*.npz")) if "fees_series" in np.load(path).files
]


def _run(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config(weight_clip="reference")
    return scenario, pool, config, simulate(pool, scenario.prices, config, **scenario.bout)


@pytest.mark.parametrize("path", STATIC_PATHS, ids=IDS)
def test_realism_options_match_the_reference(path):
    scenario, _, config, result = _run(path)
    expected = scenario.expected
    np.testing.assert_allclose(result.weights, expected["weights"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.values, expected["values"], rtol=1e-9)
    tight = path.stem.rsplit("_", 1)[1] in TIGHT_RESERVES
    np.testing.assert_allclose(result.reserves, expected["reserves"], rtol=1e-9 if tight else 1e-6)
    if config.arb_frequency > 1:  # the held reserves are those after each arbitrage step
        steps = np.asarray(result.reserves)[:: config.arb_frequency]
        np.testing.assert_allclose(steps, expected["reserves_arb_steps"], rtol=1e-6)
    assert float(daily_log_sharpe(result)) == pytest.approx(float(expected["objective"]), abs=1e-7)


def _market(scenario):
    """The file's bout-aligned series as a `MarketSeries` aligned with its prices (the
    minutes outside the bout are never read)."""
    start, rows = scenario.bout["start_index"], scenario.bout["bout_length"] - 1

    def aligned(key):
        series = np.zeros(len(scenario.prices))
        series[start : start + rows] = scenario.expected[key]
        return series

    return MarketSeries(
        fees=aligned("fees_series"),
        gas_cost=aligned("gas_cost_series"),
        arb_fees=aligned("arb_fees_series"),
    )


@pytest.mark.parametrize("path", DYNAMIC_PATHS, ids=[path.stem for path in DYNAMIC_PATHS])
def test_per_minute_costs_match_the_reference(path):
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config(weight_clip="reference")
    # The series replace the scalars (which the reference keeps in its settings, unused).
    config = dataclasses.replace(config, fees=0.0, gas_cost=0.0, arb_fees=0.0)
    market = _market(scenario)
    assert np.any(market.fees == 0) and np.any(market.fees > 0)  # both branches are used
    result = simulate(pool, scenario.prices, config, **scenario.bout, market=market)
    expected = scenario.expected
    np.testing.assert_allclose(result.weights, expected["weights"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.values, expected["values"], rtol=1e-9)
    tight = path.stem.rsplit("_", 1)[1] in TIGHT_RESERVES
    np.testing.assert_allclose(result.reserves, expected["reserves"], rtol=1e-9 if tight else 1e-6)
    # The README's value-weighted bound; in 101 one micro trade at a gas-free minute (10181)
    # differs, 1.5e-7 of a token (9.9e-9 of its reserve), 9.9e-10 of the pool's value.
    gap = np.sum(np.abs(result.reserves - expected["reserves"]) * result.prices, axis=1)
    assert np.all(gap <= 2e-8 * result.values)
    assert float(daily_log_sharpe(result)) == pytest.approx(float(expected["objective"]), abs=1e-7)


def test_the_files_cover_every_static_option():
    settings = [load_scenario(path).settings for path in STATIC_PATHS]
    assert any(s["noise_trader_ratio"] > 0 for s in settings)
    assert any(s["protocol_fee_split"] > 0 for s in settings)
    assert any(s["arb_frequency"] > 1 for s in settings)
    assert any(not s["do_arb"] for s in settings)


@pytest.mark.parametrize(
    "stem",
    [
        "mean_reversion_channel_110",  # arbitrage frequency, noise and protocol fee together
        pytest.param("anti_momentum_100", marks=pytest.mark.slow),
        pytest.param("momentum_111", marks=pytest.mark.slow),
        pytest.param("momentum_105", marks=pytest.mark.slow),  # per-minute costs
    ],
)
def test_gradients_match_the_reference(stem):
    path = REALISM_DIR / f"{stem}.npz"
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config(weight_clip="reference")
    market = None
    if "fees_series" in scenario.expected:
        config = dataclasses.replace(config, fees=0.0, gas_cost=0.0, arb_fees=0.0)
        market = _market(scenario)

    def objective(candidate):
        result = simulate(candidate, scenario.prices, config, **scenario.bout, market=market)
        return daily_log_sharpe(result)

    value, grads = eqx.filter_jit(eqx.filter_value_and_grad(objective))(pool)
    assert float(value) == pytest.approx(float(scenario.expected["objective_under_grad"]), abs=1e-7)
    for key, expected in scenario.expected.items():
        if key.startswith("objective_grad_"):
            name = key.removeprefix("objective_grad_")
            np.testing.assert_allclose(getattr(grads, name), expected, rtol=1e-5, atol=1e-8)


ALL_PATHS = sorted(REALISM_DIR.glob("*.npz"))


@pytest.mark.parametrize("path", ALL_PATHS, ids=[path.stem for path in ALL_PATHS])
def test_the_rebalancing_benchmark_matches_the_references_lvr(path):
    # The benchmark depends only on the weights, prices and starting reserves (not on the
    # pool's own arbitrage or the fee series), so every file checks it, the per-minute ones
    # included; `do_arb=False` skips the pool's arbitrage, which it does not need.
    scenario = load_scenario(path)
    pool, config = scenario.pool_and_config(weight_clip="reference")
    config = dataclasses.replace(config, do_arb=False)
    result = simulate(pool, scenario.prices, config, **scenario.bout)
    np.testing.assert_allclose(result.weights, scenario.expected["weights"], rtol=1e-9, atol=1e-12)
    benchmark = rebalancing_benchmark(result, fees=scenario.settings["fees"])
    np.testing.assert_allclose(benchmark.reserves, scenario.expected["lvr_reserves"], rtol=1e-9)
    np.testing.assert_allclose(benchmark.values, scenario.expected["lvr_values"], rtol=1e-9)
