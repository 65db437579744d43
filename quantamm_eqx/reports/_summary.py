"""The summary table of a run: returns, Sharpe, drawdown against the benchmarks."""

from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from .. import metrics

#: The summary's columns: (key, heading, format).
SUMMARY_COLUMNS = (
    ("final_value", "final value", "{:,.0f}"),
    ("return", "return", "{:+.2%}"),
    ("return_over_hodl", "over HODL", "{:+.2%}"),
    ("daily_log_sharpe", "log-Sharpe", "{:.3f}"),
    ("max_drawdown", "max drawdown", "{:.2%}"),
    ("strategy_return", "strategy", "{:+.2%}"),
    ("arbitrage_return", "arbitrage", "{:+.2%}"),
    ("fee_return", "fees", "{:+.2%}"),
)


def summarise(
    values: np.ndarray, hodl: np.ndarray, parts: np.ndarray | None = None
) -> dict[str, float | None]:
    """The summary metrics of a value path, against a HODL path of the same length.

    `daily_log_sharpe` is `None` for paths shorter than two days plus a minute (it needs
    two daily returns).

    **Arguments:**

    - `values`: a value path, one entry per minute.
    - `hodl`: the value of the initial holdings over the same minutes.
    - `parts`: the final [`attribution`][quantamm_eqx.attribution] of the return, its
      HODL, strategy, arbitrage and fee parts (`RunRecord.attribution[-1]`), if any.

    **Returns:**

    A dict with `final_value`, `return`, `return_over_hodl`, `daily_log_sharpe` and
    `max_drawdown` (a negative fraction, 0 without drawdown); `strategy_return`,
    `arbitrage_return` and `fee_return` (`None` without `parts`).

    **Example:**

    ```python
    >>> import numpy as np
    >>> from quantamm_eqx.reports import summarise
    >>> values = np.array([100.0, 120.0, 90.0, 110.0])
    >>> summary = summarise(values, hodl=np.full(4, 100.0))
    >>> round(summary["return"], 12), summary["max_drawdown"], summary["daily_log_sharpe"]
    (0.1, -0.25, None)
    ```
    """
    values = np.asarray(values, dtype=np.float64)
    hodl = np.asarray(hodl, dtype=np.float64)
    try:
        sharpe: float | None = float(metrics.daily_log_sharpe(jnp.asarray(values)))
    except ValueError:
        sharpe = None
    return {
        "final_value": float(values[-1]),
        "return": float(values[-1] / values[0] - 1),
        "return_over_hodl": float(values[-1] / hodl[-1] - 1),
        "daily_log_sharpe": sharpe,
        "max_drawdown": float(metrics.max_drawdown(jnp.asarray(values))),
        **{
            key: None if parts is None else float(parts[column])
            for column, key in enumerate(_PART_KEYS)
            if key is not None
        },
    }


#: The summary keys of the attribution's parts, in `RunRecord.attribution`'s column order
#: (HODL's part is the HODL row's return).
_PART_KEYS = (None, "strategy_return", "arbitrage_return", "fee_return")


def format_summary(rows: Mapping[str, Mapping[str, float | None]]) -> str:
    """A plain-text table of summaries, one row per label (`n/a` for `None`; the
    attribution's columns are left out when no row has them).

    **Example:**

    ```python
    >>> from quantamm_eqx.reports import format_summary
    >>> row = dict(final_value=1.1e6, daily_log_sharpe=None, max_drawdown=-0.05)
    >>> row.update({"return": 0.1, "return_over_hodl": 0.02})
    >>> print(format_summary({"pool": row}))
                      final value     return  over HODL log-Sharpe max drawdown
    pool                1,100,000    +10.00%     +2.00%        n/a       -5.00%
    ```
    """
    width = max([12, *(len(label) for label in rows)])
    columns = [
        column
        for column in SUMMARY_COLUMNS
        if column[0] not in _PART_KEYS
        or any(summary.get(column[0]) is not None for summary in rows.values())
    ]
    headings = [f"{heading:>{max(len(heading), 10)}}" for _, heading, _ in columns]
    lines = [" " * width + " " + " ".join(headings)]
    for label, summary in rows.items():
        cells = []
        for (key, heading, form), shown in zip(columns, headings):
            value = summary.get(key)
            text = "n/a" if value is None else form.format(value)
            cells.append(f"{text:>{len(shown)}}")
        lines.append(f"{label:<{width}} " + " ".join(cells))
    return "\n".join(lines)
