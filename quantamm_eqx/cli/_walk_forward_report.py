"""`quantamm-eqx walk-forward`'s report: the printed table and summary, and the document
written to walk_forward.json."""

import json
import math
from typing import Any, NamedTuple

import numpy as np

from ._outputs import describe_pool
from ._types import MINUTES_PER_DAY


class Plan(NamedTuple):
    """The windows' and training bouts' sizes, in minutes (`plan_windows`)."""

    train: int
    test: int
    step: int
    burn_in: int
    bout: int
    batch_size: int
    n_windows: int


def _when(prices, minute: int | np.integer) -> str:
    """The time of a minute of the data: its date when it is midnight."""
    text = str(prices.start + int(minute) * np.timedelta64(1, "m"))
    return text.removesuffix("T00:00")


def _number(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.4g}"


def format_windows(result, prices) -> str:
    """The table of windows: their spans and the objective in and out of sample."""
    spans = [
        (
            f"{_when(prices, w.train_start)} to {_when(prices, w.train_stop)}",
            f"{_when(prices, w.test_start)} to {_when(prices, w.test_stop)}",
        )
        for w in result.windows
    ]
    train_width = max(len("training span"), *(len(train) for train, _ in spans))
    test_width = max(len("test span"), *(len(test) for _, test in spans))
    header = f"{'window':>6}  {'training span':<{train_width}}  {'test span':<{test_width}}"
    lines = [f"{header}  {'in sample':>12}  {'out of sample':>13}"]
    for index, (train, test) in enumerate(spans):
        in_sample = _number(float(result.in_sample[index]))
        out_of_sample = _number(float(result.out_of_sample[index]))
        lines.append(
            f"{index + 1:>6}  {train:<{train_width}}  {test:<{test_width}}  "
            f"{in_sample:>12}  {out_of_sample:>13}"
        )
    lines.append(f"({result.objective}; each span ends just before its second time.)")
    return "\n".join(lines)


def format_summary(result) -> str:
    """The walk-forward efficiency, the gap and the statistics of the stitched curve."""
    deflated, interval = result.deflated_sharpe, result.sharpe_interval
    values = np.asarray(result.oos_values)
    hodl = np.asarray(result.hodl_values)
    days = values.shape[0] / MINUTES_PER_DAY
    return "\n".join(
        [
            f"Walk-forward efficiency (mean out-of-sample / mean in-sample {result.objective}, "
            f"n/a unless the in-sample mean is positive): "
            f"{_number(result.walk_forward_efficiency)}",
            f"Gap (mean in-sample - mean out-of-sample): {_number(result.gap)}",
            f"Stitched out-of-sample value over {days:,.1f} days: {values[0]:,.0f} -> "
            f"{values[-1]:,.0f} (HODL: {hodl[-1]:,.0f})",
            f"Annualised Sharpe ratio of its daily returns: {_number(interval.point)}, 95% "
            f"block-bootstrap interval [{_number(interval.low)}, {_number(interval.high)}]",
            f"Deflated Sharpe ratio: {_number(deflated.probability)} (the probability that the "
            f"true daily Sharpe ratio {_number(deflated.sharpe)} beats "
            f"{_number(deflated.expected_max_sharpe)}, the best of {deflated.n_trials} "
            "trial(s) without skill)",
        ]
    )


def walk_forward_document(args, result, prices, pool, config, plan: Plan) -> dict[str, Any]:
    """walk_forward.json's own part: settings, windows, summary and the daily curve."""
    values = np.asarray(result.oos_values, dtype=np.float64)
    rows = np.unique(np.r_[np.arange(0, values.shape[0], MINUTES_PER_DAY), values.shape[0] - 1])
    minutes = np.asarray(result.oos_minutes)[rows]

    def span(start: int, stop: int) -> dict[str, Any]:
        return {
            "start": _when(prices, start),
            "end": _when(prices, stop),
            "start_index": start,
            "stop_index": stop,
        }

    return {
        "settings": {
            "mode": args.window_mode,
            "train_days": plan.train / MINUTES_PER_DAY,
            "test_days": plan.test / MINUTES_PER_DAY,
            "step_days": plan.step / MINUTES_PER_DAY,
            "burn_in_days": plan.burn_in / MINUTES_PER_DAY,
            "steps": args.steps,
            "bout_days": plan.bout / MINUTES_PER_DAY,
            "batch_size": plan.batch_size,
            "objective": args.objective,
            "learning_rate": args.learning_rate,
            "seed": args.seed,
            "population": args.population,
            "init": args.init,
            "price_noise": args.price_noise,
            "turnover_penalty": args.turnover_penalty,
        },
        "initial_pool": describe_pool(pool, config),
        "windows": [
            {
                "window": index + 1,
                "train": span(window.train_start, window.train_stop),
                "test": span(window.test_start, window.test_stop),
                "in_sample": _finite(result.in_sample[index]),
                "out_of_sample": _finite(result.out_of_sample[index]),
                "pool": describe_pool(trained, config),
            }
            for index, (window, trained) in enumerate(zip(result.windows, result.pools))
        ],
        "summary": {
            "walk_forward_efficiency": _finite(result.walk_forward_efficiency),
            "gap": _finite(result.gap),
            "mean_in_sample": _finite(np.mean(np.asarray(result.in_sample))),
            "mean_out_of_sample": _finite(np.mean(np.asarray(result.out_of_sample))),
            "deflated_sharpe": {
                name: _finite(value) for name, value in result.deflated_sharpe._asdict().items()
            },
            "sharpe_interval": {
                name: _finite(value) for name, value in result.sharpe_interval._asdict().items()
            },
        },
        "curve": {
            "times": [_when(prices, minute) for minute in minutes],
            "values": [_finite(value) for value in values[rows]],
            "hodl_values": [_finite(value) for value in np.asarray(result.hodl_values)[rows]],
        },
    }


def _finite(value) -> float | int | None:
    """A JSON number: `None` for NaN or infinity."""
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if isinstance(value, int) else number


def write_json(path, document: dict) -> None:
    from .._atomic import atomic_path

    text = json.dumps(document, indent=2, allow_nan=False)
    with atomic_path(path) as temporary:
        temporary.write_text(text)
