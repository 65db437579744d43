"""Pools to and from the parameters a QuantAMM-V1 rule contract takes."""

from typing import Any

import jax.numpy as jnp
import numpy as np

from .._config import SimulationConfig
from .._custom_types import HumanValues, HumanVector
from .._validation import is_traced
from ..pools._channel import CHANNEL_INVERSE_SCALING, MeanReversionChannelPool
from ..pools._construct import per_asset, weights_logits
from ..pools._gradient_pool import AbstractGradientPool
from ..pools._momentum import AbstractMomentumPool
from ..transforms import inverse_squareplus, lamb_to_memory_days_clipped, logit, max_lamb


def _values(value: HumanValues, name: str, n_assets: int) -> np.ndarray:
    """`value` as a positive float64 vector, of length 1 (shared, as a scalar contract
    parameter is) or `n_assets`."""
    return per_asset(value, name, n_assets, positive=True, shared=True)


def pool_from_contract(
    pool_class: type[AbstractGradientPool],
    config: SimulationConfig,
    *,
    n_assets: int,
    kappa: HumanValues,
    lamb: HumanValues,
    initial_weights: HumanVector | None = None,
    width: HumanValues | None = None,
    amplitude: HumanValues | None = None,
    exponents: HumanValues | None = None,
    inverse_scaling: HumanValues = CHANNEL_INVERSE_SCALING,
    pre_exp_scaling: HumanValues = 0.5,
) -> AbstractGradientPool:
    """The pool whose rule, under `config`, has a contract's parameters.

    Inverts the pool's transforms so that `pool.k(config)` is `kappa`, the estimator's
    decay is `lamb` and (channel) `pool.amplitude(config)` is `amplitude`, and so on. A
    scalar (or length-1) value stays shared by all assets, as a scalar contract parameter
    is; a vector gives one value per asset.

    **Arguments:**

    - `pool_class`: `MomentumPool`, `AntiMomentumPool` or `MeanReversionChannelPool`.
    - `config`: the configuration the pool will run under (its `chunk_period` and
      `max_memory_days` define the transforms).
    - `n_assets`: the number of assets.
    - `kappa`: the contract's aggressiveness, > 0 (for anti-momentum the contract's
      positive kappa, as `pool.k` reports it).
    - `lamb`: the contract's lambda, in (0, 1) and within the configuration's memory cap.
    - `initial_weights`: the weights at the start (uniform if None).
    - `width`, `amplitude`, `exponents`, `inverse_scaling`, `pre_exp_scaling`: the channel's
      contract parameters (`width`, `amplitude` and `exponents` are required for it); a
      `pre_exp_scaling` other than 0.5 needs `config.use_pre_exp_scaling`.

    **Returns:**

    The pool.

    **Raises:**

    `ValueError` naming the parameter, for values out of range or of the wrong length, a
    `lamb` above the cap of `config.max_memory_days`, or channel parameters given to (or
    missing from) the wrong rule.

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool, SimulationConfig
    >>> from quantamm_eqx.compat import pool_from_contract
    >>> config = SimulationConfig(mode="protocol")
    >>> pool = pool_from_contract(MomentumPool, config, n_assets=2, kappa=1.5, lamb=0.7)
    >>> round(float(pool.k(config)[0]), 12), round(float(pool.lamb[0]), 12)
    (1.5, 0.7)
    ```
    """
    cap = float(np.max(max_lamb(config.max_memory_days, config.chunk_period)))
    lamb_values = _values(lamb, "lamb", n_assets)
    if not np.all(lamb_values < 1):
        raise ValueError(f"`lamb` must be below 1; got {lamb_values.tolist()!r}.")
    if np.any(lamb_values > cap):
        raise ValueError(
            f"`lamb` must not exceed {cap!r}, the cap of max_memory_days="
            f"{config.max_memory_days!r} at chunk_period={config.chunk_period}: the simulation "
            f"would cap it; got {lamb_values.tolist()!r}. Raise `max_memory_days`."
        )
    memory_days = np.asarray(
        lamb_to_memory_days_clipped(lamb_values, config.chunk_period, config.max_memory_days),
        dtype=np.float64,
    )
    per_day = _values(kappa, "kappa", n_assets) / memory_days
    common = {
        "logit_lamb": logit(lamb_values),
        "logit_delta_lamb": jnp.zeros_like(logit(lamb_values)),
        "initial_weights_logits": weights_logits(initial_weights, n_assets),
    }
    channel_values = {"width": width, "amplitude": amplitude, "exponents": exponents}
    if issubclass(pool_class, AbstractMomentumPool):
        given = [name for name, value in channel_values.items() if value is not None]
        if given:
            raise ValueError(f"{given} are channel parameters; {pool_class.__name__} has none.")
        return pool_class(log_k=jnp.log2(per_day), **common)  # type: ignore[call-arg]
    if not issubclass(pool_class, MeanReversionChannelPool):
        raise ValueError(
            "`pool_class` must be MomentumPool, AntiMomentumPool or MeanReversionChannelPool; "
            f"got {pool_class!r}."
        )
    missing = [name for name, value in channel_values.items() if value is None]
    if missing:
        raise ValueError(f"a MeanReversionChannelPool needs {missing}.")
    shape = {name: _values(value, name, n_assets) for name, value in channel_values.items()}  # type: ignore[arg-type]
    pre_exp = _values(pre_exp_scaling, "pre_exp_scaling", n_assets)
    if not config.use_pre_exp_scaling and not np.all(pre_exp == 0.5):
        raise ValueError(
            f"`pre_exp_scaling` is {pre_exp.tolist()!r} but `config.use_pre_exp_scaling` is "
            "False, which fixes it at 0.5: set use_pre_exp_scaling=True."
        )
    return pool_class(
        sp_k=inverse_squareplus(per_day),
        sp_width=inverse_squareplus(shape["width"]),
        sp_amplitude=inverse_squareplus(shape["amplitude"] / memory_days),
        sp_exponents=inverse_squareplus(shape["exponents"]),
        sp_pre_exp_scaling=inverse_squareplus(pre_exp),
        inverse_scaling=jnp.asarray(_values(inverse_scaling, "inverse_scaling", n_assets)),
        **common,
    )


def contract_parameters(pool: AbstractGradientPool, config: SimulationConfig) -> dict[str, Any]:
    """The parameters a QuantAMM-V1 deployment of `pool` takes, under `config`.

    The rule's `kappa` and `lambda` (the capped decay the estimator runs with), the
    channel's `width`, `amplitude`, `exponents`, `inverse_scaling` and `pre_exp_scaling`,
    the raw-price flag, and the guard's `epsilon_max` (per update) and
    `absolute_weight_guard_rail` (the minimum weight), as plain Python numbers (lists per
    asset). Convert with [`to_fixed`][quantamm_eqx.weights.to_fixed] for the contract's
    18-decimal integers.

    **Arguments:**

    - `pool`: one concrete pool (not a stacked batch, not traced).
    - `config`: its configuration; `use_alt_lamb` has no contract equivalent.

    **Returns:**

    A dict from parameter name to value.

    **Raises:**

    `ValueError` for a stacked, traced or composite pool, or `config.use_alt_lamb`.

    **Example:**

    ```python
    >>> from quantamm_eqx import AntiMomentumPool, SimulationConfig
    >>> from quantamm_eqx.compat import contract_parameters, pool_from_contract
    >>> config = SimulationConfig(mode="protocol", maximum_change=1e-4,
    ...                           weight_interpolation_period=1000)
    >>> pool = pool_from_contract(AntiMomentumPool, config, n_assets=2, kappa=[1.0, 1.5],
    ...                           lamb=0.7)
    >>> parameters = contract_parameters(pool, config)
    >>> [round(k, 12) for k in parameters["kappa"]], round(parameters["epsilon_max"], 12)
    ([1.0, 1.5], 0.1)
    ```
    """
    if not isinstance(pool, AbstractGradientPool):
        raise ValueError(
            f"`pool` must be a single-rule pool (one contract); got {type(pool).__name__}: "
            "deploy an ensemble's members, or a bounded pool's pool, one by one."
        )
    if config.use_alt_lamb:
        raise ValueError(
            "`config.use_alt_lamb` has no contract equivalent: the contracts' gradient uses "
            "one lambda. Use use_alt_lamb=False (or use_raw_price for the raw-price option)."
        )
    if pool.population_size is not None or any(
        is_traced(leaf) for leaf in (pool.initial_weights_logits, pool.logit_lamb)
    ):
        raise ValueError("`pool` must be one concrete pool, not a stacked batch or a tracer.")

    def listed(value) -> list[float]:
        return np.atleast_1d(np.asarray(value, dtype=np.float64)).tolist()

    lamb, _ = pool.estimator_decays(config)
    parameters: dict[str, Any] = {"kappa": listed(pool.k(config)), "lambda": listed(lamb)}  # type: ignore[attr-defined]
    if isinstance(pool, MeanReversionChannelPool):
        parameters |= {
            "width": listed(pool.width),
            "amplitude": listed(pool.amplitude(config)),
            "exponents": listed(pool.exponents),
            "inverse_scaling": listed(pool.inverse_scaling),
            "pre_exp_scaling": listed(pool.pre_exp_scaling(config)),
        }
    return parameters | {
        "use_raw_price": config.use_raw_price,
        "epsilon_max": config.epsilon_max,
        "absolute_weight_guard_rail": config.minimum_weight_for(pool.n_assets),
        "initial_weights": listed(pool.initial_weights),
    }
