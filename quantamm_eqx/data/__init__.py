"""Price data: the built-in dataset, loaders for your own files, and the minute grid.

Every loader returns a [`PriceData`][quantamm_eqx.data.PriceData]: minute prices on a
regular, gap-free UTC grid with asset names, ready for `simulate` and `fit`. Gaps and
duplicate timestamps are errors unless you opt into a fill; non-positive, infinite and
off-minute data are always errors. [`read_series`][quantamm_eqx.data.read_series] reads a
per-minute series (fees, gas, retail volume) aligned on the prices, for a
[`MarketSeries`][quantamm_eqx.MarketSeries]. The loaders need the `data` extra
(`python -m pip install 'quantamm_eqx[data]'`: pandas, pyarrow, bokeh_sampledata).
"""

from ._grid import PriceData as PriceData
from ._loaders import read_binance as read_binance
from ._loaders import read_long as read_long
from ._loaders import read_wide as read_wide
from ._minute_grid import to_minute_grid as to_minute_grid
from ._series import read_series as read_series
from ._stocks import DEFAULT_STOCKS as DEFAULT_STOCKS
from ._stocks import STOCK_TICKERS as STOCK_TICKERS
from ._stocks import load_stocks as load_stocks
