"""Walk-forward evaluation: its windows (test data strictly after training data), what
`walk_forward` returns, and that no window's score sees a price after its span."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quantamm_eqx import MomentumPool, SimulationConfig, simulate
from quantamm_eqx.data import load_stocks
from quantamm_eqx.evaluation import (
    Window,
    deflated_sharpe_ratio,
    sharpe_ratio,
    walk_forward,
    walk_forward_windows,
)
from quantamm_eqx.metrics import daily_log_sharpe

DAY = 1440


def assert_no_overlap(windows, n_minutes):
    """Every window's test minutes come strictly after its training minutes."""
    for window in windows:
        train = np.arange(window.train_start, window.train_stop)
        test = np.arange(window.test_start, window.test_stop)
        assert train.size and test.size
        assert train.max() < test.min()
        trained_on = np.zeros(n_minutes, dtype=bool)
        trained_on[train] = True
        assert not trained_on[test].any()  # no test minute was a training minute
        assert window.test_start == window.train_stop and window.test_stop <= n_minutes


# --- windows --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stocks():
    return load_stocks()  # the default selection: 2004-08-19 to 2013-03-01


def test_rolling_windows_of_the_built_in_stocks(stocks):
    """Two years of training, then one of testing, after 90 days of burn-in."""
    n_minutes = len(stocks)
    windows = walk_forward_windows(
        n_minutes, train_length=730 * DAY, test_length=365 * DAY, start=90 * DAY
    )
    year, two_years = 365 * DAY, 730 * DAY
    starts = [90 * DAY + k * year for k in range(6)]
    expected = [(s, s + two_years, s + two_years, s + two_years + year) for s in starts]
    assert [tuple(window) for window in windows] == expected
    assert expected[-1][-1] == 4_334_400 and n_minutes - 4_334_400 < year  # no room for a 7th
    dates = [str(stocks.timestamps[window.test_start])[:10] for window in windows]
    assert dates[:2] == ["2006-11-17", "2007-11-17"]
    assert_no_overlap(windows, n_minutes)
    # The test spans tile the data after the first training span.
    assert all(a.test_stop == b.test_start for a, b in zip(windows, windows[1:]))


def test_expanding_windows_keep_their_start_and_share_the_test_spans(stocks):
    n_minutes = len(stocks)
    options = dict(train_length=730 * DAY, test_length=365 * DAY, start=90 * DAY)
    rolling = walk_forward_windows(n_minutes, **options)
    expanding = walk_forward_windows(n_minutes, mode="expanding", **options)
    assert [w.train_start for w in expanding] == [90 * DAY] * len(rolling)
    assert [w.train_start for w in rolling] == [90 * DAY + k * 365 * DAY for k in range(6)]
    assert [(w.test_start, w.test_stop) for w in expanding] == [
        (w.test_start, w.test_stop) for w in rolling
    ]
    assert [w.train_length for w in expanding] == [(730 + 365 * k) * DAY for k in range(6)]
    assert_no_overlap(expanding, n_minutes)


def test_a_step_other_than_the_test_length():
    windows = walk_forward_windows(100, train_length=30, test_length=20, step=15, start=5)
    assert [tuple(w) for w in windows] == [
        (5, 35, 35, 55),
        (20, 50, 50, 70),
        (35, 65, 65, 85),
        (50, 80, 80, 100),
    ]
    assert isinstance(windows[0], Window) and windows[0].test_length == 20


@given(
    n_minutes=st.integers(0, 400),
    train_length=st.integers(1, 120),
    test_length=st.integers(1, 120),
    step=st.integers(1, 90),
    start=st.integers(0, 60),
    mode=st.sampled_from(["rolling", "expanding"]),
)
def test_windows_never_overlap_and_fill_the_data(
    n_minutes, train_length, test_length, step, start, mode
):
    options = dict(train_length=train_length, test_length=test_length, step=step, start=start)
    if start + train_length + test_length > n_minutes:
        with pytest.raises(ValueError, match="longer than the data"):
            walk_forward_windows(n_minutes, mode=mode, **options)
        return
    windows = walk_forward_windows(n_minutes, mode=mode, **options)
    assert_no_overlap(windows, n_minutes)
    assert windows[0].train_start == start and windows[0].train_length == train_length
    assert windows[-1].test_stop + step > n_minutes  # one more would not fit
    assert all(b.test_start - a.test_start == step for a, b in zip(windows, windows[1:]))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            dict(train_length=80, test_length=30),
            r"longer than the data: `train_length`=80 plus `test_length`=30 from minute "
            r"`start`=0 need 110 minutes, and the data has 100",
        ),
        (dict(train_length=0, test_length=30), "`train_length` must be an integer >= 1"),
        (dict(train_length=10, test_length=-3), "`test_length` must be an integer >= 1"),
        (dict(train_length=10, test_length=10, step=0), "`step` must be an integer >= 1"),
        (dict(train_length=10, test_length=10, start=-1), "`start` must be an integer >= 0"),
        (dict(train_length=10, test_length=10, mode="sliding"), "`mode` must be one of"),
    ],
)
def test_bad_windows_name_the_argument(options, message):
    with pytest.raises(ValueError, match=message):
        walk_forward_windows(100, **options)


# --- walk_forward ---------------------------------------------------------------------

CONFIG = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
POOL = MomentumPool.from_memory_days(n_assets=2, memory_days=1.0, chunk_period=60)
SPANS = dict(train_length=3 * DAY, test_length=3 * DAY)


def tiny_prices(seed=0):
    rng = np.random.default_rng(seed)
    return np.exp(np.cumsum(rng.normal(0, 1e-3, (10 * DAY, 2)), axis=0))


def run(prices):
    options = {"steps": 2, "steps_per_chunk": 2, "key": jax.random.key(1)}
    return walk_forward(POOL, prices, CONFIG, progress=False, fit_options=options, **SPANS)


@pytest.fixture(scope="module")
def runs():
    """The same walk-forward twice: on prices, and on prices changed from minute 8700 on
    (the end of the first test span, the start of the second)."""
    prices = tiny_prices()
    changed = prices.copy()
    changed[8700:] *= np.exp(np.random.default_rng(9).normal(0, 1e-2, (len(prices) - 8700, 2)))
    return prices, run(jnp.asarray(prices)), run(jnp.asarray(changed))


def test_walk_forward_returns_one_score_per_window(runs):
    prices, result, _ = runs
    assert [tuple(w) for w in result.windows] == [
        (60, 4380, 4380, 8700),
        (4380, 8700, 8700, 13020),
    ]
    assert result.n_windows == len(result.pools) == 2
    assert result.in_sample.shape == result.out_of_sample.shape == (2,)
    assert np.all(np.isfinite(result.in_sample)) and np.all(np.isfinite(result.out_of_sample))
    total = sum(window.test_length for window in result.windows)
    assert result.oos_values.shape == result.hodl_values.shape == result.oos_minutes.shape
    assert result.oos_values.shape == (total,)
    np.testing.assert_array_equal(result.oos_minutes, np.r_[4380:8700, 8700:13020])
    in_mean, out_mean = np.mean(result.in_sample), np.mean(result.out_of_sample)
    assert result.gap == pytest.approx(in_mean - out_mean)
    if in_mean > 0:
        assert result.walk_forward_efficiency == pytest.approx(out_mean / in_mean)
    else:
        assert np.isnan(result.walk_forward_efficiency)
    assert result.objective == "daily_log_sharpe"


def test_each_score_is_the_trained_pool_over_its_span(runs):
    """The scores are `simulate` over exactly the span's minutes, given no later price."""
    prices, result, _ = runs
    for window, pool, in_sample, out_of_sample in zip(
        result.windows, result.pools, result.in_sample, result.out_of_sample
    ):
        for (start, stop), expected in (
            ((window.train_start, window.train_stop), in_sample),
            ((window.test_start, window.test_stop), out_of_sample),
        ):
            seen = jnp.asarray(np.concatenate([prices[:stop], prices[stop - 1 : stop]]))
            simulation = simulate(
                pool, seen, CONFIG, start_index=start, bout_length=stop - start + 1
            )
            np.testing.assert_allclose(simulation.prices, prices[start:stop])
            assert float(daily_log_sharpe(simulation)) == pytest.approx(float(expected), rel=1e-8)
    first = simulate(result.pools[0], prices, CONFIG, start_index=4380, bout_length=4321)
    np.testing.assert_allclose(result.oos_values[:4320], first.values, rtol=1e-10)


def test_the_curves_are_stitched_and_hodl_holds_the_first_reserves(runs):
    prices, result, _ = runs
    values = np.asarray(result.oos_values)
    assert values[0] == pytest.approx(CONFIG.initial_pool_value)
    # The second window starts with the first one's last reserves, valued at its prices.
    end = simulate(result.pools[0], prices, CONFIG, start_index=4380, bout_length=4321)
    reserves = np.asarray(end.reserves[-1])
    assert values[4320] == pytest.approx(reserves @ prices[8700], rel=1e-10)
    assert values[4320] / values[4319] == pytest.approx(
        (reserves @ prices[8700]) / (reserves @ prices[8699]), rel=1e-10
    )
    held = np.asarray(POOL.initial_weights) * CONFIG.initial_pool_value / prices[4380]
    np.testing.assert_allclose(result.hodl_values, prices[result.oos_minutes] @ held, rtol=1e-10)


def test_the_statistics_are_those_of_the_stitched_daily_returns(runs):
    _, result, _ = runs
    values = np.asarray(result.oos_values)
    daily = values[::DAY]
    returns = daily[1:] / daily[:-1] - 1
    sharpes = []
    for k in range(2):
        window = values[k * 4320 : (k + 1) * 4320]
        window = window / window[0]  # the window's own curve, before chaining
        sharpes.append(sharpe_ratio(window[::DAY][1:] / window[::DAY][:-1] - 1))
    expected = deflated_sharpe_ratio(
        returns, n_trials=2, trial_sharpes_variance=float(np.var(sharpes, ddof=1))
    )
    assert result.deflated_sharpe.n_trials == 2 and result.deflated_sharpe.n_returns == 5
    np.testing.assert_allclose(tuple(result.deflated_sharpe), tuple(expected), rtol=1e-8)
    interval = result.sharpe_interval
    assert interval.point == pytest.approx(sharpe_ratio(returns, periods_per_year=365.0))
    assert interval.low <= interval.high


def test_no_score_sees_a_price_after_its_span(runs):
    """Changing the prices from the first test span's end on changes only the second test
    span's score and curve: the training spans, pools and the first score are identical."""
    _, result, changed = runs
    np.testing.assert_array_equal(result.in_sample, changed.in_sample)
    assert result.out_of_sample[0] == changed.out_of_sample[0]
    assert result.out_of_sample[1] != changed.out_of_sample[1]
    for pool, other in zip(result.pools, changed.pools):
        assert jax.tree_util.tree_all(jax.tree.map(np.array_equal, pool, other))
    np.testing.assert_array_equal(result.oos_values[:4320], changed.oos_values[:4320])
    assert not np.array_equal(result.oos_values[4320:], changed.oos_values[4320:])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            dict(train_length=8 * DAY, test_length=3 * DAY),
            "windows are longer than the data.*need 15900 minutes, and the data has 14400",
        ),
        (dict(train_length=0, test_length=3 * DAY), "`train_length` must be an integer >= 1"),
        (dict(train_length=3 * DAY, test_length=-1), "`test_length` must be an integer >= 1"),
        (dict(SPANS, step=0), "`step` must be an integer >= 1"),
        (dict(SPANS, mode="sliding"), "`mode` must be one of"),
        (dict(SPANS, n_trials=0), "`n_trials` must be an integer >= 1"),
        (dict(SPANS, objective="sharp"), "`objective` must be one of"),
        (dict(SPANS, fit_options={"stepz": 3}), "`fit_options` has 'stepz', which `fit` does"),
        (dict(SPANS, fit_options={"burn_in": 3}), "`fit_options` sets 'burn_in'"),
        (dict(SPANS, fit_options={"val_fraction": 1.5}), r"`fit_options\['val_fraction'\]`"),
    ],
)
def test_bad_arguments_name_the_argument(options, message):
    with pytest.raises(ValueError, match=message):
        walk_forward(POOL, jnp.asarray(tiny_prices()), CONFIG, progress=False, **options)


def test_a_test_span_too_short_for_the_objective_names_test_length():
    """A daily Sharpe ratio needs two daily returns: one day of test data is refused before
    any training."""
    with pytest.raises(ValueError, match="The test span .`test_length`=1440 minutes. is too"):
        walk_forward(
            POOL,
            jnp.asarray(tiny_prices()),
            CONFIG,
            train_length=3 * DAY,
            test_length=DAY,
            progress=False,
        )
