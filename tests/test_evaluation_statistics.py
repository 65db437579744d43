"""Post-training statistics: the probabilistic and deflated Sharpe ratios against the
published formula, and the block bootstrap interval."""

import math
from functools import partial
from statistics import NormalDist

import numpy as np
import pytest

from quantamm_eqx.evaluation import (
    block_bootstrap_interval,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
)

EULER_GAMMA = 0.5772156649015329
NORMAL = NormalDist()


def reference_deflated_sharpe(sharpe, skewness, kurtosis, n_returns, n_trials, variance):
    """Bailey and López de Prado (2014), eqs. 2 and 9, transcribed: every Sharpe ratio per
    period, `kurtosis` non-excess."""
    if n_trials == 1:
        benchmark = 0.0
    else:
        benchmark = math.sqrt(variance) * (
            (1 - EULER_GAMMA) * NORMAL.inv_cdf(1 - 1 / n_trials)
            + EULER_GAMMA * NORMAL.inv_cdf(1 - 1 / (n_trials * math.e))
        )
    z = (sharpe - benchmark) * math.sqrt(n_returns - 1)
    z /= math.sqrt(1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe**2)
    return benchmark, NORMAL.cdf(z)


def sample_moments(returns):
    """Sharpe ratio (sample std), skewness and kurtosis (central moments)."""
    returns = np.asarray(returns, dtype=np.float64)
    deviations = returns - returns.mean()
    m2 = np.mean(deviations**2)
    return (
        returns.mean() / returns.std(ddof=1),
        np.mean(deviations**3) / m2**1.5,
        np.mean(deviations**4) / m2**2,
    )


def test_the_reference_transcription_reproduces_the_papers_example():
    """The paper's example: 100 trials whose annualised Sharpe ratios have variance 1/2; the
    best has an annualised SR of 2.5 over 1250 days, skewness -3, kurtosis 10: SR0 = 0.1132
    per day and DSR = 0.9004."""
    sharpe, variance = 2.5 / math.sqrt(250), 0.5 / 250
    benchmark, probability = reference_deflated_sharpe(sharpe, -3.0, 10.0, 1250, 100, variance)
    assert benchmark == pytest.approx(0.1132, abs=1e-4)
    assert probability == pytest.approx(0.9004, abs=1e-3)
    assert expected_max_sharpe(100, variance) == pytest.approx(benchmark, rel=1e-12)


@pytest.mark.parametrize("n_trials", [1, 2, 10, 1000])
@pytest.mark.parametrize("variance", [0.0, 0.001, 0.05])
@pytest.mark.parametrize("shape", ["normal", "fat_tails", "skewed"])
def test_the_deflated_sharpe_ratio_is_the_published_formula(n_trials, variance, shape):
    rng = np.random.default_rng(7)
    draws = {
        "normal": rng.normal(0.002, 0.01, 400),
        "fat_tails": 0.003 + 0.01 * rng.standard_t(3, 400),
        "skewed": rng.lognormal(0.0, 0.5, 400) - 1.05,
    }[shape]
    result = deflated_sharpe_ratio(draws, n_trials=n_trials, trial_sharpes_variance=variance)
    sharpe, skewness, kurtosis = sample_moments(draws)
    benchmark, probability = reference_deflated_sharpe(
        sharpe, skewness, kurtosis, len(draws), n_trials, variance
    )
    assert result.sharpe == pytest.approx(sharpe, rel=1e-12)
    assert result.skewness == pytest.approx(skewness, rel=1e-10)
    assert result.kurtosis == pytest.approx(kurtosis, rel=1e-10)
    assert result.expected_max_sharpe == pytest.approx(benchmark, rel=1e-10, abs=1e-15)
    assert result.probability == pytest.approx(probability, rel=1e-9, abs=1e-12)
    assert (result.n_returns, result.n_trials) == (400, n_trials)


def test_one_trial_deflates_nothing():
    returns = np.random.default_rng(3).normal(0.001, 0.01, 300)
    deflated = deflated_sharpe_ratio(returns, n_trials=1, trial_sharpes_variance=0.5)
    assert deflated.expected_max_sharpe == 0.0
    assert deflated.probability == pytest.approx(probabilistic_sharpe_ratio(returns, 0.0))


def test_more_trials_deflate_more():
    returns = np.random.default_rng(4).normal(0.002, 0.01, 500)
    probabilities = [
        deflated_sharpe_ratio(returns, n_trials=n, trial_sharpes_variance=0.001).probability
        for n in (1, 10, 100, 1000)
    ]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] > probabilities[-1]


def test_probabilistic_sharpe_ratio_edge_cases():
    returns = np.random.default_rng(5).normal(0.001, 0.01, 250)
    own = sharpe_ratio(returns)
    assert probabilistic_sharpe_ratio(returns, benchmark_sharpe=own) == pytest.approx(0.5)
    assert probabilistic_sharpe_ratio(returns, benchmark_sharpe=own - 1.0) > 1 - 1e-12
    assert probabilistic_sharpe_ratio(returns, benchmark_sharpe=own + 1.0) < 1e-12
    # More of the same returns: more confidence that the Sharpe ratio beats a lower one.
    longer = np.tile(returns, 4)
    lower = own - 0.05
    assert probabilistic_sharpe_ratio(longer, lower) > probabilistic_sharpe_ratio(returns, lower)
    # The formula with three returns, the fewest allowed.
    three = [0.01, -0.02, 0.04]
    sharpe, skewness, kurtosis = sample_moments(three)
    _, expected = reference_deflated_sharpe(sharpe, skewness, kurtosis, 3, 1, 0.0)
    assert probabilistic_sharpe_ratio(three) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: probabilistic_sharpe_ratio([0.01, 0.02]), "`returns` must hold at least 3"),
        (lambda: probabilistic_sharpe_ratio([0.01] * 10), "`returns` are constant"),
        (lambda: probabilistic_sharpe_ratio([0.01, np.nan, 0.02]), "`returns` must be finite"),
        (lambda: probabilistic_sharpe_ratio([0.1, 0.2, 0.0], math.inf), "`benchmark_sharpe`"),
        (
            lambda: deflated_sharpe_ratio([0.1, 0.2], n_trials=5, trial_sharpes_variance=0.1),
            "`returns` must hold at least 3",
        ),
        (
            lambda: deflated_sharpe_ratio([0.1, 0.2, 0.0], n_trials=0, trial_sharpes_variance=0.1),
            "`n_trials` must be an integer >= 1",
        ),
        (
            lambda: deflated_sharpe_ratio([0.1, 0.2, 0.0], n_trials=5, trial_sharpes_variance=-0.1),
            "`trial_sharpes_variance` must be >= 0",
        ),
        (
            lambda: deflated_sharpe_ratio(
                [0.1, math.inf, 0.0], n_trials=5, trial_sharpes_variance=0.1
            ),
            "`returns` must be finite",
        ),
    ],
)
def test_bad_inputs_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_bootstrap_interval_contains_the_point_and_is_reproducible():
    returns = np.random.default_rng(0).normal(0.001, 0.01, 500)
    first = block_bootstrap_interval(returns, block_length=10, n_resamples=500, seed=3)
    assert first.low < first.point < first.high and first.std > 0
    assert first.point == pytest.approx(sharpe_ratio(returns))
    assert block_bootstrap_interval(returns, block_length=10, n_resamples=500, seed=3) == first
    other = block_bootstrap_interval(returns, block_length=10, n_resamples=500, seed=4)
    assert other != first and other.point == first.point


def test_the_bootstrap_interval_shrinks_with_more_data():
    rng = np.random.default_rng(1)
    annualised = partial(sharpe_ratio, periods_per_year=365.0)
    widths = []
    for n in (100, 1600):
        returns = rng.normal(0.001, 0.01, n)
        interval = block_bootstrap_interval(returns, annualised, block_length=5, n_resamples=400)
        widths.append(interval.high - interval.low)
    assert widths[1] < widths[0] / 2  # about 1 / sqrt(16)


def test_the_bootstrap_of_a_mean_matches_its_standard_error():
    returns = np.random.default_rng(2).normal(0.0, 1.0, 2000)
    interval = block_bootstrap_interval(returns, np.mean, block_length=1, n_resamples=1000)
    assert interval.std == pytest.approx(1 / math.sqrt(2000), rel=0.15)
    assert interval.high - interval.low == pytest.approx(2 * 1.96 * interval.std, rel=0.15)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"block_length": 0}, r"`block_length` must lie in \[1, 50\]"),
        ({"block_length": 51}, r"`block_length` must lie in \[1, 50\]"),
        ({"block_length": 5, "confidence": 1.0}, r"`confidence` must lie in \(0, 1\)"),
        ({"block_length": 5, "confidence": 0.0}, r"`confidence` must lie in \(0, 1\)"),
        ({"block_length": 5, "n_resamples": 1}, "`n_resamples` must be an integer >= 2"),
    ],
)
def test_bootstrap_arguments_are_checked(options, message):
    returns = np.random.default_rng(0).normal(0.0, 1.0, 50)
    with pytest.raises(ValueError, match=message):
        block_bootstrap_interval(returns, **options)
