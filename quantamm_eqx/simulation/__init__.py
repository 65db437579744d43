"""A pool over a bout of minute prices: its rule, its minute weights, reserves under
arbitrage and value (SPEC §4–5), and the HODL and rebalanced benchmarks."""

from ._arbitrage import AbstractArbitrage as AbstractArbitrage
from ._arbitrage import Costs as Costs
from ._arbitrage import Signatures as Signatures
from ._arbitrage import arbitrage_profit_test as arbitrage_profit_test
from ._arbitrage import retail_and_protocol_fees as retail_and_protocol_fees
from ._arbitrage import signatures as signatures
from ._arbitrage import zero_fee_trade as zero_fee_trade
from ._attribution import Attribution as Attribution
from ._attribution import attribution as attribution
from ._exact_arbitrage import ExactArbitrage as ExactArbitrage
from ._hodl import Rebalancing as Rebalancing
from ._hodl import hodl_values as hodl_values
from ._hodl import rebalanced_values as rebalanced_values
from ._hodl import rebalancing_benchmark as rebalancing_benchmark
from ._market import MarketSeries as MarketSeries
from ._minute import Flows as Flows
from ._minute import retail_volume_income as retail_volume_income
from ._reference_arbitrage import ReferenceArbitrage as ReferenceArbitrage
from ._reserves import sparse_arbitrage_reserves as sparse_arbitrage_reserves
from ._schedule import minute_weights as minute_weights
from ._schedule import weight_schedule as weight_schedule
from ._simulate import Simulation as Simulation
from ._simulate import simulate as simulate
