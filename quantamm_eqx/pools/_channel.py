"""`MeanReversionChannelPool`: revert inside a channel, follow the trend outside (SPEC §3)."""

import math

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._config import SimulationConfig
from .._custom_types import AssetParamLike, HumanValues, HumanVector
from .._validation import is_traced
from ..transforms._elementwise import inverse_squareplus, squareplus
from ..transforms._k import k_from_sp_k
from ._base import zero_sum_weight_change
from ._construct import memory_fields, per_asset, weights_logits
from ._gradient_pool import AbstractGradientPool
from ._params import (
    INITIAL_WEIGHTS_LOGITS,
    LOGIT_DELTA_LAMB,
    LOGIT_LAMB,
    ParamSpec,
    parameter,
    saturate,
)

#: The channel's stored parameters are read within ranges (`ParamSpec.saturation`) where
#: `squareplus` of them spans 1e-6 to 1e6 (k and amplitude per day: up to 1e4; the
#: exponent: 1e-3 to 100): wide enough for any useful setting, narrow enough that every
#: value and gradient of the rule stays finite in float32.
_WIDE = (-1e6, 1e6)
SP_K = ParamSpec(
    "aggressiveness: k = squareplus(sp_k) * memory_days",
    -1.0,
    100.0,
    19.5,
    saturation=(-1e6, 1e4),
)
SP_WIDTH = ParamSpec(
    "channel half-width: width = squareplus(sp_width)", -3.0, 3.0, 0.0, saturation=_WIDE
)
SP_AMPLITUDE = ParamSpec(
    "reversion strength: amplitude = squareplus(sp_amplitude) * memory_days",
    -3.0,
    4.0,
    0.0,
    saturation=(-1e6, 1e4),
)
SP_EXPONENTS = ParamSpec(
    "trend power outside the channel: exponents = squareplus(sp_exponents)",
    -2.0,
    4.0,
    0.0,
    saturation=(-1e3, 100.0),
)
SP_PRE_EXP_SCALING = ParamSpec(
    "scale before the power: pre_exp_scaling = squareplus(sp_pre_exp_scaling) "
    "(0.5 when use_pre_exp_scaling is off)",
    -3.0,
    2.0,
    -1.0,
    saturation=_WIDE,
)

#: The trend term's magnitude is capped at exp(40) ~ 2.4e17 (a weight change far beyond
#: any guardrail), so a large exponent on a large gradient cannot overflow to inf.
TREND_LOG_CAP = 40.0

#: The channel's normalisation constant in the reference (`inverse_scaling`).
CHANNEL_INVERSE_SCALING = 0.5415
INVERSE_SCALING = ParamSpec(
    "the channel term's divisor, stored as is (the reference simulator fixes 0.5415; the "
    "contracts take it per asset); never trained",
    0.1,
    2.0,
    CHANNEL_INVERSE_SCALING,
    False,
)


def channel_signal(
    gradient: Float[Array, "*batch asset"],
    width: AssetParamLike,
    amplitude: AssetParamLike,
    exponents: AssetParamLike,
    pre_exp_scaling: AssetParamLike,
    inverse_scaling: AssetParamLike = CHANNEL_INVERSE_SCALING,
) -> Float[Array, "*batch asset"]:
    """The channel rule's signal before the zero-sum step (SPEC §3).

    With `envelope = exp(-g**2 / (2 width**2))` and `s = pi g / (3 width)`:

        channel = -amplitude * envelope * (s - s**3 / 6) / inverse_scaling
        trend   = (1 - envelope) * sign(g) * |g / (2 pre_exp_scaling)| ** exponents
        signal  = channel + trend

    Inside the channel (`|g|` small against `width`) the signal opposes `g`; far outside it
    follows `sign(g)`. The power is evaluated so that its gradient is finite at `g = 0`, and
    capped at `exp(40)` (where the reference overflows to inf and its weights to NaN).
    `inverse_scaling` is 0.5415 in the reference simulator; the contracts take it per asset.

    **Example:**

    ```python
    >>> import jax.numpy as jnp
    >>> from quantamm_eqx.pools import channel_signal
    >>> signal = channel_signal(jnp.array([1e-3, 10.0]), width=1.0, amplitude=1.0,
    ...                         exponents=1.0, pre_exp_scaling=0.5)
    >>> bool(signal[0] < 0 < signal[1])
    True
    ```
    """
    width, amplitude, exponents, pre_exp_scaling, inverse_scaling = (
        jnp.asarray(x) for x in (width, amplitude, exponents, pre_exp_scaling, inverse_scaling)
    )
    envelope = jnp.exp(-(gradient**2) / (2 * width**2))
    scaled = jnp.pi * gradient / (3 * width)
    channel = -amplitude * envelope * (scaled - (scaled**3) / 6) / inverse_scaling
    base = jnp.abs(gradient / (2.0 * pre_exp_scaling))
    # 0 ** e is 0 for the positive exponents squareplus gives, but its derivative in e is
    # log(0) * 0 = NaN; a power past the cap is inf with an inf derivative. Take the power
    # of a safe base and select afterwards, so the unselected branches stay finite.
    positive = base > 0
    safe_base = jnp.where(positive, base, 1.0)
    capped = exponents * jnp.log(safe_base) > TREND_LOG_CAP
    power = jnp.power(jnp.where(capped, 1.0, safe_base), exponents)
    power = jnp.where(positive, jnp.where(capped, math.exp(TREND_LOG_CAP), power), 0.0)
    trend = (1 - envelope) * jnp.sign(gradient) * power
    return channel + trend


class MeanReversionChannelPool(AbstractGradientPool):
    """A mean-reversion channel TFMM pool.

    Small price moves (inside a channel of half-width `width` in gradient space) are traded
    against; large ones are followed with a power law (SPEC §3). The signal of
    [`channel_signal`][quantamm_eqx.pools.channel_signal] becomes a zero-sum weight change
    with `k = squareplus(sp_k) * memory_days`.

    **Fields** (stored, unconstrained; per asset, length `n_assets` or 1):

    - `sp_k`, `logit_lamb`, `logit_delta_lamb`, `initial_weights_logits`: as for momentum,
      with `k` per day `= squareplus(sp_k)`;
    - `sp_width`, `sp_amplitude`, `sp_exponents`, `sp_pre_exp_scaling`: the channel's shape,
      each through `squareplus` (amplitude also times the memory in days);
    - `inverse_scaling`: the channel term's divisor, stored as is and never trained
      (default `[0.5415]`, the reference simulator's constant; the contracts take it per
      asset).

    **Example:**

    ```python
    >>> from quantamm_eqx import MeanReversionChannelPool, SimulationConfig
    >>> pool = MeanReversionChannelPool.from_memory_days(n_assets=2, width=0.5)
    >>> [round(float(w), 12) for w in pool.width]
    [0.5, 0.5]
    ```
    """

    sp_k: Float[Array, "#asset"] = parameter(SP_K)
    logit_lamb: Float[Array, "#asset"] = parameter(LOGIT_LAMB)
    logit_delta_lamb: Float[Array, "#asset"] = parameter(LOGIT_DELTA_LAMB)
    sp_width: Float[Array, "#asset"] = parameter(SP_WIDTH)
    sp_amplitude: Float[Array, "#asset"] = parameter(SP_AMPLITUDE)
    sp_exponents: Float[Array, "#asset"] = parameter(SP_EXPONENTS)
    sp_pre_exp_scaling: Float[Array, "#asset"] = parameter(SP_PRE_EXP_SCALING)
    initial_weights_logits: Float[Array, " asset"] = parameter(INITIAL_WEIGHTS_LOGITS)
    inverse_scaling: Float[Array, "#asset"] = parameter(
        INVERSE_SCALING, default=CHANNEL_INVERSE_SCALING
    )

    def __check_init__(self):
        value = self.inverse_scaling
        if not is_traced(value) and not np.all(np.asarray(value) > 0):
            raise ValueError(
                f"`inverse_scaling` must be positive; got {np.asarray(value).tolist()!r}."
            )

    @classmethod
    def from_memory_days(
        cls,
        n_assets: int,
        memory_days: HumanValues = 10.0,
        k_per_day: HumanValues = 20.0,
        width: HumanValues = 1.0,
        amplitude_per_day: HumanValues = 1.0,
        exponents: HumanValues = 1.0,
        pre_exp_scaling: HumanValues = 0.5,
        initial_weights: HumanVector | None = None,
        chunk_period: int = 1440,
        alt_memory_days: HumanValues | None = None,
        inverse_scaling: HumanValues = CHANNEL_INVERSE_SCALING,
    ) -> "MeanReversionChannelPool":
        """Build a pool from human units (every value > 0; scalars or per asset).

        **Arguments:**

        - `n_assets`: the number of assets.
        - `memory_days`: the estimator's memory in days.
        - `k_per_day`: aggressiveness per day of memory (`k = k_per_day * memory_days`).
        - `width`: the channel half-width, in units of the price gradient.
        - `amplitude_per_day`: reversion strength per day of memory
          (`amplitude = amplitude_per_day * memory_days`).
        - `exponents`: the power of the trend-following part.
        - `pre_exp_scaling`: the gradient scale before the power (used with
          `use_pre_exp_scaling`; otherwise the rule uses 0.5).
        - `initial_weights`: starting weights (positive, normalised); uniform if None.
        - `chunk_period`: minutes between rule updates; must match the configuration used.
        - `alt_memory_days`: memory of the alternative (denominator) average; `memory_days`
          if None.
        - `inverse_scaling`: the channel term's divisor (0.5415 in the reference
          simulator; a contract parameter on chain).

        **Returns:**

        The pool, with every parameter stored per asset.

        **Example:**

        ```python
        >>> from quantamm_eqx import MeanReversionChannelPool
        >>> pool = MeanReversionChannelPool.from_memory_days(n_assets=3, exponents=2.0)
        >>> [round(float(e), 12) for e in pool.exponents]
        [2.0, 2.0, 2.0]
        ```
        """

        def stored(value: HumanValues, name: str) -> Array:
            return inverse_squareplus(per_asset(value, name, n_assets, positive=True))

        return cls(
            sp_k=stored(k_per_day, "k_per_day"),
            **memory_fields(memory_days, alt_memory_days, n_assets, chunk_period),
            sp_width=stored(width, "width"),
            sp_amplitude=stored(amplitude_per_day, "amplitude_per_day"),
            sp_exponents=stored(exponents, "exponents"),
            sp_pre_exp_scaling=stored(pre_exp_scaling, "pre_exp_scaling"),
            initial_weights_logits=weights_logits(initial_weights, n_assets),
            inverse_scaling=jnp.asarray(
                per_asset(inverse_scaling, "inverse_scaling", n_assets, positive=True)
            ),
        )

    def k(self, config: SimulationConfig) -> Float[Array, "#asset"]:
        """Aggressiveness `k = squareplus(sp_k) * memory_days` (memory clipped to the cap)."""
        return k_from_sp_k(saturate(self.sp_k, SP_K), self.memory_days(config))

    @property
    def width(self) -> Float[Array, "#asset"]:
        """The channel half-width `squareplus(sp_width)`."""
        return squareplus(saturate(self.sp_width, SP_WIDTH))

    def amplitude(self, config: SimulationConfig) -> Float[Array, "#asset"]:
        """The reversion strength `squareplus(sp_amplitude) * memory_days`."""
        return squareplus(saturate(self.sp_amplitude, SP_AMPLITUDE)) * self.memory_days(config)

    @property
    def exponents(self) -> Float[Array, "#asset"]:
        """The trend power `squareplus(sp_exponents)`."""
        return squareplus(saturate(self.sp_exponents, SP_EXPONENTS))

    def pre_exp_scaling(self, config: SimulationConfig) -> AssetParamLike:
        """`squareplus(sp_pre_exp_scaling)` with `use_pre_exp_scaling`, else 0.5."""
        if not config.use_pre_exp_scaling:
            return 0.5
        return squareplus(saturate(self.sp_pre_exp_scaling, SP_PRE_EXP_SCALING))

    def weight_change(
        self, gradient: Float[Array, "*batch asset"], config: SimulationConfig
    ) -> Float[Array, "*batch asset"]:
        """The channel rule: `zero_sum_weight_change(channel_signal(gradient, ...), k)`."""
        signal = channel_signal(
            gradient,
            self.width,
            self.amplitude(config),
            self.exponents,
            self.pre_exp_scaling(config),
            self.inverse_scaling,
        )
        return zero_sum_weight_change(signal, self.k(config))
