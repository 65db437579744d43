"""The rules of the pools as pure functions, for use outside a pool (custom rules, tests)."""

from ._pools.base import zero_sum_weight_change as zero_sum_weight_change
from ._pools.channel import CHANNEL_INVERSE_SCALING as CHANNEL_INVERSE_SCALING
from ._pools.channel import channel_signal as channel_signal
from ._pools.momentum import AbstractMomentumPool as AbstractMomentumPool
from ._pools.momentum import momentum_weight_change as momentum_weight_change
