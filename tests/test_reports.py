"""quantamm_eqx.reports: comparison value paths in run records (recorded, saved, loaded and
drawn), the values plot's log scale, the training curve, and legends that stay off the data."""

import dataclasses
import json

import jax.numpy as jnp
import numpy as np
import pytest

from quantamm_eqx import Simulation
from quantamm_eqx.reports import (
    RunRecord,
    load_run,
    plot_attribution,
    plot_training,
    plot_values,
    plot_weights,
    record_run,
    save_run,
)
from quantamm_eqx.reports._plots import _attribution_figure, _values_figure, _weights_figure
from quantamm_eqx.reports._training_plot import _training_figure

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


def make_record(rows=200, comparisons=None):
    rng = np.random.default_rng(0)
    times = np.datetime64("2024-01-01T00:00") + np.arange(rows) * np.timedelta64(60, "m")
    prices = np.exp(np.cumsum(rng.normal(0, 0.01, (rows, 3)), axis=0))
    weights = np.full((rows, 3), 1 / 3)
    paths = 1e6 * np.exp(np.cumsum(rng.normal(1e-3, 0.01, (3, rows)), axis=1))
    parts = np.cumsum(rng.normal(0, 0.001, (rows, 4)), axis=0)
    return RunRecord(
        times, ("A", "B", "C"), prices, weights, weights, *paths, {"note": 1}, parts,
        comparisons={} if comparisons is None else comparisons,
    )  # fmt: skip


def make_simulation(rows, scale=1.0):
    """A small `Simulation` built directly (no `simulate`, so nothing to compile)."""
    prices = jnp.linspace(jnp.array([1.0, 2.0]), jnp.array([2.0, 1.0]), rows)
    reserves = jnp.full((rows, 2), 5e5) * jnp.array([1.0, 0.5]) * scale
    zeros = jnp.zeros(rows)
    return Simulation(
        weights=jnp.full((rows, 2), 0.5),
        reserves=reserves,
        values=(reserves * prices).sum(axis=1),
        prices=prices,
        initial_reserves=reserves[0],
        arbitrage_profit=zeros,
        arbitrage_fees=zeros,
        retail_fees=zeros,
    )


def assert_legend_off_the_data(figure):
    """The figure's legend lies outside its axes and inside the figure."""
    figure.draw_without_rendering()
    (axes,) = figure.axes
    legends = figure.legends + [axes.get_legend()] * (axes.get_legend() is not None)
    assert len(legends) == 1
    legend = legends[0].get_window_extent()
    assert not legend.overlaps(axes.get_window_extent())
    assert figure.bbox.x0 <= legend.x0 and legend.x1 <= figure.bbox.x1
    assert figure.bbox.y0 <= legend.y0 and legend.y1 <= figure.bbox.y1


def test_comparisons_round_trip_through_save_and_load(tmp_path):
    labels = ["untrained pool", "a/b: odd label, ü"]
    record = make_record(comparisons={label: make_record().values * k for k, label in
                                      enumerate(labels, 2)})  # fmt: skip
    save_run(tmp_path / "results.npz", record)
    loaded = load_run(tmp_path / "results.npz")
    assert list(loaded.comparisons) == labels
    for label in labels:
        np.testing.assert_array_equal(loaded.comparisons[label], record.comparisons[label])
    assert loaded.metadata == {"note": 1}  # the labels live in the arrays file, not here
    with np.load(tmp_path / "results.npz") as archive:  # plain NumPy reads them too
        assert list(archive["comparison_labels"]) == labels
        np.testing.assert_array_equal(archive["comparison_1"], record.comparisons[labels[1]])


def test_a_record_without_comparisons_saves_none(tmp_path):
    save_run(tmp_path / "results.npz", make_record())
    with np.load(tmp_path / "results.npz") as archive:
        assert not [name for name in archive.files if name.startswith("comparison")]
    assert load_run(tmp_path / "results.npz").comparisons == {}


def test_a_record_written_before_comparisons_loads_with_none(tmp_path):
    """The files of an older version: no attribution, no comparisons."""
    record = make_record(rows=3)
    names = ("prices", "weights", "reserves", "values", "hodl_values", "rebalanced_values")
    arrays = {name: getattr(record, name) for name in names}
    np.savez(tmp_path / "results.npz", timestamps=record.timestamps.astype(np.int64), **arrays)
    document = {"assets": ["A", "B", "C"], "start": "2024-01-01T00:00", "rows": 3, "x": 2}
    (tmp_path / "results.json").write_text(json.dumps(document))
    loaded = load_run(tmp_path / "results.npz")
    assert loaded.comparisons == {} and loaded.attribution is None
    assert loaded.metadata == {"x": 2}
    np.testing.assert_array_equal(loaded.values, record.values)


def test_load_refuses_a_comparison_of_another_length(tmp_path):
    record = make_record(comparisons={"short": np.ones(5)})
    save_run(tmp_path / "results.npz", record)
    with pytest.raises(ValueError, match="a comparison's shape is not the values'"):
        load_run(tmp_path / "results.npz")


def test_record_run_keeps_comparisons_at_the_records_rows():
    result, untrained = make_simulation(10), make_simulation(10, scale=0.5)
    record = record_run(
        result, start="2024-01-01", assets=("A", "B"), every=4, comparisons={"half": untrained}
    )
    assert record.values.shape == (4,)  # rows 0, 4, 8 and the last, 9
    expected = np.asarray(untrained.values)[[0, 4, 8, 9]]
    np.testing.assert_allclose(record.comparisons["half"], expected)
    summary = record.metadata["summary"]  # a row per comparison, at full resolution
    assert list(summary) == ["pool", "hodl", "equal-weight rebalanced", "half"]
    assert summary["half"]["final_value"] == pytest.approx(float(untrained.values[-1]))
    assert summary["half"]["return_over_hodl"] == pytest.approx(0.0, abs=1e-12)
    assert summary["half"]["fee_return"] == 0.0
    assert record_run(result, start="2024-01-01", assets=("A", "B")).comparisons == {}


@pytest.mark.parametrize(
    ("label", "rows", "message"),
    [
        ("untrained", 9, r"`comparisons\['untrained'\]` has values of shape \(9,\)"),
        ("hodl", 10, "may not use the label 'hodl'"),
    ],
)
def test_record_run_refuses_a_bad_comparison(label, rows, message):
    with pytest.raises(ValueError, match=message):
        record_run(
            make_simulation(10),
            start="2024-01-01",
            assets=("A", "B"),
            comparisons={label: make_simulation(rows)},
        )


@pytest.mark.parametrize("log_scale", [False, True])
def test_plot_values_draws_the_comparisons_dashed(tmp_path, log_scale):
    record = make_record(comparisons={"untrained pool": make_record().values * 0.9})
    figure = _values_figure(record, None, log_scale)
    (axes,) = figure.axes
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert set(lines) == {"pool", "HODL (initial reserves)", "equal weight, rebalanced",
                          "untrained pool"}  # fmt: skip
    assert lines["untrained pool"].get_linestyle() == "--"
    colours = {str(line.get_color()) for line in lines.values()}
    assert len(colours) == 4
    assert axes.get_yscale() == ("log" if log_scale else "linear")
    assert ("log scale" in axes.get_ylabel()) == log_scale
    assert_legend_off_the_data(figure)
    assert axes.yaxis.get_offset_text().get_text() == ""  # values written in full
    labels = [label.get_text() for label in axes.get_yticklabels() if label.get_text()]
    assert labels and all("," in label for label in labels)
    plot_values(record, tmp_path / "values.png", log_scale=log_scale)
    assert (tmp_path / "values.png").read_bytes()[:8] == PNG


def test_every_legend_stays_off_the_data(tmp_path):
    record = make_record()
    assert_legend_off_the_data(_weights_figure(record, None))
    assert_legend_off_the_data(_attribution_figure(record, None))
    plot_weights(record, tmp_path / "weights.png")
    plot_attribution(record, tmp_path / "attribution.png")
    assert (tmp_path / "weights.png").read_bytes()[:8] == PNG


def noisy_curve(steps=60, population=None):
    rng = np.random.default_rng(1)
    base = np.tanh(np.arange(steps) / 20)
    if population is None:
        return base + rng.normal(0, 0.3, steps)
    return base[:, None] + rng.normal(0, 0.3, (steps, population))


def test_plot_training_with_validation(tmp_path):
    train, val = noisy_curve(), noisy_curve() * 0.5
    train[[10, 11]] = np.nan  # skipped steps
    val[30] = -np.inf
    figure = _training_figure(list(train), val, "return", 42, "run")
    (axes,) = figure.axes
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert set(lines) == {"training (mini-batch)", "validation", "best: step 42"}
    assert np.isnan(lines["training (mini-batch)"].get_ydata()[[10, 11]]).all()
    assert np.isnan(lines["validation"].get_ydata()[30])  # a gap, not -inf
    assert list(lines["best: step 42"].get_xdata()) == [42, 42]
    assert axes.get_xlabel() == "step" and axes.get_ylabel() == "return"
    assert_legend_off_the_data(figure)
    plot_training(train, val, tmp_path / "training.png", best_step=42)
    assert (tmp_path / "training.png").read_bytes()[:8] == PNG


def test_plot_training_without_validation_or_best_step(tmp_path):
    figure = _training_figure(noisy_curve(), None, "daily_log_sharpe", -1, None)
    (axes,) = figure.axes
    assert [line.get_label() for line in axes.get_lines()] == ["training (mini-batch)"]
    assert axes.get_ylabel() == "daily_log_sharpe" and axes.get_title() == "Training"
    plot_training(noisy_curve().tolist(), None, tmp_path / "training.png")
    assert (tmp_path / "training.png").read_bytes()[:8] == PNG


def test_plot_training_of_a_population_draws_each_member_and_the_mean(tmp_path):
    train, val = noisy_curve(population=5), noisy_curve(population=5)
    train[3, :2] = np.nan  # two members skipped step 3
    train[4] = np.nan  # all skipped step 4
    figure = _training_figure(train, val, "daily_log_sharpe", 7, None)
    (axes,) = figure.axes
    labelled = {line.get_label(): line for line in axes.get_lines()}
    mean = labelled["training (mini-batch), mean of 5 members"].get_ydata()
    assert mean[3] == pytest.approx(train[3, 2:].mean()) and np.isnan(mean[4])
    np.testing.assert_allclose(mean[5:], train[5:].mean(axis=1))
    assert "validation, mean of 5 members" in labelled
    assert len(axes.get_lines()) == 5 + 1 + 5 + 1 + 1  # members, mean, twice; the marker
    assert_legend_off_the_data(figure)
    plot_training(train, val, tmp_path / "training.png", best_step=7)
    assert (tmp_path / "training.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize(
    ("train", "val", "best_step", "message"),
    [
        (np.ones(5), np.ones(4), None, "`val_objective` has 4 steps; `train_objective` has 5"),
        (np.ones(5), np.ones((6, 2)), None, "`val_objective` has 6 steps"),
        (np.ones((5, 2, 2)), None, None, r"`train_objective` must be .* shape \(5, 2, 2\)"),
        (np.ones(0), None, None, "`train_objective` must be"),
        (np.ones(5), None, 5, "`best_step` is 5; the last step is 4"),
    ],
)
def test_plot_training_refuses_mismatched_objectives(tmp_path, train, val, best_step, message):
    with pytest.raises(ValueError, match=message):
        plot_training(train, val, tmp_path / "training.png", best_step=best_step)
    assert not (tmp_path / "training.png").exists()


def test_comparisons_is_the_last_field():
    """The fields' positional order is the one older code (and doctests) construct."""
    names = [field.name for field in dataclasses.fields(RunRecord)]
    assert names[-2:] == ["attribution", "comparisons"]
    assert RunRecord(*vars(make_record(rows=2)).values()).comparisons == {}
