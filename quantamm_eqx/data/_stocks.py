"""The built-in dataset: public-domain daily stock closes on a minute grid."""

from collections.abc import Sequence

import numpy as np

from ._grid import Fill, PriceData, TimeLike, _require
from ._minute_grid import to_minute_grid

#: The tickers of the built-in dataset, and the default selection.
STOCK_TICKERS = ("AAPL", "IBM", "MSFT", "GOOG", "FB")
DEFAULT_STOCKS = ("AAPL", "IBM", "MSFT", "GOOG")


def load_stocks(
    assets: Sequence[str] = DEFAULT_STOCKS,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    fill: Fill = "log-linear",
) -> PriceData:
    """Daily closes of US stocks, 2000–2013, as minute prices: the built-in dataset.

    The closes are the split- and dividend-adjusted daily closes of AAPL, IBM, MSFT, GOOG
    (from 2004-08-19) and FB (from 2012-05-18) up to 2013-03-01, from the Quandl WIKI
    prices, which are in the public domain. They ship in the `bokeh_sampledata` package
    (`python -m pip install 'quantamm_eqx[data]'`), so they are available offline.

    **Minute grid.** Each trading day's close is placed at 00:00 UTC of its date, so with
    `chunk_period=1440` every rule update sees exactly one close. The minutes between two
    consecutive closes (a weekday night, or a weekend or holiday) are filled by `fill`:
    geometric interpolation by default (a smooth path along which arbitrageurs trade), or
    `"ffill"` (the price jumps at each close). The data starts at the first date on which
    every selected asset has a close.

    **Arguments:**

    - `assets`: tickers from `STOCK_TICKERS`.
    - `start`, `end`: optional first (inclusive) and last (exclusive) dates.
    - `fill`: `"log-linear"` or `"ffill"`, see above.

    **Returns:**

    A [`PriceData`][quantamm_eqx.data.PriceData].

    **Example:**

    ```python
    >>> from quantamm_eqx.data import load_stocks
    >>> data = load_stocks(["AAPL", "MSFT"], start="2012-01-02", end="2012-01-05")
    >>> data.assets, data.prices.shape
    (('AAPL', 'MSFT'), (4320, 2))
    ```
    """
    assets = tuple(assets)
    unknown = [asset for asset in assets if asset not in STOCK_TICKERS]
    if not assets or unknown:
        raise ValueError(
            f"`assets` must be a non-empty selection of {list(STOCK_TICKERS)}; got {list(assets)}."
        )
    stocks = _require("bokeh_sampledata.stocks")
    series = {}
    for asset in assets:
        table = getattr(stocks, asset)
        series[asset] = dict(
            zip(np.asarray(table["date"], dtype="datetime64[D]"), table["adj_close"])
        )
    common = sorted(set.intersection(*(set(days) for days in series.values())))
    dates = np.asarray(common, dtype="datetime64[D]")
    closes = np.array([[series[asset][day] for asset in assets] for day in common])
    data = to_minute_grid(dates, closes, assets, fill=fill)
    if start is None and end is None:
        return data
    return data.between(start, end)
