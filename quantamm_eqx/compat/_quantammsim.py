"""Bring pools over from the reference simulator `quantammsim`."""

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._config import SimulationConfig
from ..pools import POOLS
from ..pools._channel import CHANNEL_INVERSE_SCALING
from ..pools._gradient_pool import AbstractGradientPool
from ..pools._params import parameter_specs

#: `SimulationConfig` field <- reference `run_fingerprint` key.
SETTINGS_KEYS: dict[str, str] = {
    "chunk_period": "chunk_period",
    "weight_interpolation_period": "weight_interpolation_period",
    "maximum_change": "maximum_change",
    "minimum_weight": "minimum_weight",
    "max_memory_days": "max_memory_days",
    "interpolation": "weight_interpolation_method",
    "use_alt_lamb": "use_alt_lamb",
    "use_pre_exp_scaling": "use_pre_exp_scaling",
    "initial_pool_value": "initial_pool_value",
    "fees": "fees",
    "gas_cost": "gas_cost",
    "arb_fees": "arb_fees",
    "noise_trader_ratio": "noise_trader_ratio",
    "protocol_fee_split": "protocol_fee_split",
    "arb_frequency": "arb_frequency",
    "do_arb": "do_arb",
    "ste_min_max_weight": "ste_min_max_weight",
    "ste_max_change": "ste_max_change",
}


#: Reference settings that change a run of these pools but have no counterpart here yet:
#: key -> (the reference's default, what it does). A non-default value is refused.
UNSUPPORTED_SETTINGS: dict[str, tuple[Any, str]] = {
    "price_noise_sigma": (0.0, "log-normal price noise in training"),
    "turnover_penalty": (0.0, "a turnover penalty on the training objective"),
    "arb_quality": (1.0, "partial arbitrage"),
    "do_trades": (False, "a user's own trade series"),
}


def config_from_settings(settings: Mapping[str, Any]) -> SimulationConfig:
    """A [`SimulationConfig`][quantamm_eqx.SimulationConfig] from reference settings.

    Keys are those of the reference's `run_fingerprint` (and of the golden vectors'
    `settings`), including its realism options (`noise_trader_ratio`,
    `protocol_fee_split`, `arb_frequency`, `do_arb`); keys that do not change a run of
    these pools are ignored and missing ones take the reference's defaults, which are
    `SimulationConfig`'s defaults.

    **Raises:**

    `ValueError` naming a key of `UNSUPPORTED_SETTINGS` (`price_noise_sigma`,
    `turnover_penalty`, `arb_quality`, `do_trades`) set to anything but its default: the
    run would silently differ from the reference's.

    **Example:**

    ```python
    >>> from quantamm_eqx.compat import config_from_settings
    >>> config = config_from_settings({"chunk_period": 60, "weight_interpolation_period": 60,
    ...                                "weight_interpolation_method": "approx_optimal",
    ...                                "tokens": ["BTC", "ETH"]})
    >>> config.chunk_period, config.interpolation, config.maximum_change
    (60, 'approx_optimal', 0.0003)
    ```
    """
    for key, (default, meaning) in UNSUPPORTED_SETTINGS.items():
        if key in settings and settings[key] is not None and settings[key] != default:
            raise ValueError(
                f"settings[{key!r}] is {settings[key]!r}: quantamm_eqx has no {meaning} yet, "
                f"so the run would differ from the reference's. Set it to {default!r} (its "
                "default) to compare without it."
            )
    given = {
        field: settings[key]
        for field, key in SETTINGS_KEYS.items()
        if key in settings and settings[key] is not None
    }
    return SimulationConfig(**given)


def _sigmoid(value: np.ndarray) -> np.ndarray:
    """`1 / (1 + exp(-value))` without overflow or cancellation for large `|value|`."""
    small = np.exp(-np.abs(value))
    return np.where(value >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


#: Older names of the channel's parameters, which the reference still reads when the `sp_*`
#: name is absent (its `MeanReversionChannelPool.calculate_rule_outputs`): old name ->
#: (current name, the map from the old stored value to the constrained value the rule
#: uses, or None when the old name already goes through squareplus). Listed in the
#: reference's order of preference: `logit_pre_exp_scaling` before `raw_pre_exp_scaling`.
LEGACY_CHANNEL_NAMES: dict[str, tuple[str, Any]] = {
    "log_k": ("sp_k", np.exp2),  # k per day = 2**log_k
    "raw_width": ("sp_width", np.exp2),  # width = 2**raw_width
    "log_amplitude": ("sp_amplitude", np.exp2),  # amplitude per day = 2**log_amplitude
    "raw_exponents": ("sp_exponents", None),  # exponents = squareplus(raw_exponents)
    "logit_pre_exp_scaling": ("sp_pre_exp_scaling", _sigmoid),  # sigmoid(logit_...)
    "raw_pre_exp_scaling": ("sp_pre_exp_scaling", np.exp2),  # 2**raw_...
}


def _as_numbers(params: Mapping[str, Any], name: str) -> np.ndarray:
    try:
        return np.asarray(params[name], dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"params[{name!r}] must be numbers, one per asset (or per parameter set and "
            f"asset); got {params[name]!r} ({error})."
        ) from error


def current_parameter_names(rule: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` with the channel's older parameter names replaced by the `sp_*` ones.

    A current name wins over an older one, as in the reference. An older value `x` is read
    as the reference reads it (`2**x`, `sigmoid(x)`, or as is where it already goes
    through squareplus) and stored as `inverse_squareplus` of that, `y - 1/y`, so the
    pool's rule sees the same number. Non-finite values stay non-finite (they are refused
    where the pool is built).
    """
    converted = dict(params)
    if rule != "mean_reversion_channel":
        return converted
    for old, (name, constrained) in LEGACY_CHANNEL_NAMES.items():
        if old not in params:
            continue
        del converted[old]
        if name in converted:
            continue
        value = _as_numbers(params, old)
        if constrained is not None:
            with np.errstate(all="ignore"):
                y = constrained(value)
                stored = y - 1.0 / y
            if np.any(np.isfinite(value) & ~np.isfinite(stored)):
                raise ValueError(
                    f"params[{old!r}] (the older name of {name!r}) holds a value whose "
                    f"constrained value underflows to 0 or overflows: {value.tolist()!r}."
                )
            value = stored
        converted[name] = value
    return converted


def _parameter_arrays(
    pool_class: type[AbstractGradientPool], params: Mapping[str, Any], config: SimulationConfig
) -> dict[str, np.ndarray]:
    arrays = {}
    for name in parameter_specs(pool_class):
        if name in params:
            value = _as_numbers(params, name)
            if not np.all(np.isfinite(value)):
                raise ValueError(f"params[{name!r}] must be finite; got {value.tolist()!r}.")
            arrays[name] = value
        elif name in ("logit_delta_lamb", "inverse_scaling") or (
            name == "sp_pre_exp_scaling" and not config.use_pre_exp_scaling
        ):
            arrays[name] = None  # unused by this configuration: filled below
        else:
            older = " or ".join(
                repr(old) for old, (new, _) in LEGACY_CHANNEL_NAMES.items() if new == name
            )
            also = f" (or its older name {older})" if older else ""
            raise ValueError(
                f"params is missing {name!r}{also}, which a {pool_class.__name__} needs; it "
                f"has {sorted(params)!r}."
            )
    shapes = {name: value.shape for name, value in arrays.items() if value is not None}
    if len({len(shape) for shape in shapes.values()}) > 1 or any(
        len(shape) not in (1, 2) for shape in shapes.values()
    ):
        raise ValueError(
            "params must all be per-asset vectors (n_assets,) or all stacked parameter sets "
            f"(n_parameter_sets, n_assets); got shapes {shapes!r}."
        )
    if len({shape[0] for shape in shapes.values() if len(shape) == 2}) > 1:
        raise ValueError(
            "stacked params must hold the same number of parameter sets (their first "
            f"dimension); got shapes {shapes!r}."
        )
    reference = arrays["logit_lamb"]
    for name, value in arrays.items():
        if value is None:
            arrays[name] = np.zeros_like(reference)
    if "inverse_scaling" in arrays and "inverse_scaling" not in params:
        # The reference fixes the channel's divisor: one shared value per parameter set.
        arrays["inverse_scaling"] = np.full_like(reference[..., :1], CHANNEL_INVERSE_SCALING)
    return arrays


def from_quantammsim(
    rule: str, params: Mapping[str, Any], settings: Mapping[str, Any]
) -> tuple[AbstractGradientPool, SimulationConfig]:
    """A pool and configuration equivalent to a `quantammsim` pool.

    **Arguments:**

    - `rule`: `"momentum"`, `"anti_momentum"` or `"mean_reversion_channel"`.
    - `params`: the reference's parameter dict (stored space), name to array: `log_k` or
      `sp_k`, `logit_lamb`, `logit_delta_lamb`, `initial_weights_logits` and, for the
      channel, `sp_width`, `sp_amplitude`, `sp_exponents`, `sp_pre_exp_scaling`. Arrays of
      shape `(n_assets,)` give one pool; shape `(n_parameter_sets, n_assets)` gives a
      stacked pool (a batch for `eqx.filter_vmap`). Other keys (e.g. `subsidary_params`)
      are ignored; `logit_delta_lamb` defaults to 0. The channel's older names, which the
      reference still reads, are converted to the same rule: `log_k` (k per day
      `2**log_k`), `raw_width` (`2**raw_width`), `log_amplitude` (per day
      `2**log_amplitude`), `raw_exponents` (already squareplus: copied),
      `logit_pre_exp_scaling` (`sigmoid`) and `raw_pre_exp_scaling` (`2**x`); each is
      stored as `inverse_squareplus` of that value. A current `sp_*` name wins over an
      older one, as in the reference.
    - `settings`: the reference's `run_fingerprint` (or a golden vector's `settings`);
      see [`config_from_settings`][quantamm_eqx.compat.config_from_settings].

    **Returns:**

    `(pool, config)`.

    **Raises:**

    `ValueError` for an unknown rule, a missing or non-finite parameter, parameter lengths
    that disagree, or `settings` whose `n_assets` or `rule` contradict the parameters.

    **Example:**

    ```python
    >>> from quantamm_eqx.compat import from_quantammsim
    >>> params = {"log_k": [4.0, 4.0], "logit_lamb": [3.0, 3.0],
    ...           "logit_delta_lamb": [0.0, 0.0], "initial_weights_logits": [1.0, 1.0]}
    >>> pool, config = from_quantammsim("momentum", params, {"chunk_period": 60,
    ...                                 "weight_interpolation_period": 60})
    >>> type(pool).__name__, pool.n_assets, config.chunk_period
    ('MomentumPool', 2, 60)
    ```
    """
    if rule not in POOLS:
        raise ValueError(f"`rule` must be one of {sorted(POOLS)}; got {rule!r}.")
    if settings.get("rule", rule) != rule:
        raise ValueError(f"settings['rule'] is {settings['rule']!r} but `rule` is {rule!r}.")
    pool_class = POOLS[rule]
    config = config_from_settings(settings)
    arrays = _parameter_arrays(pool_class, current_parameter_names(rule, params), config)
    fields = {name: jnp.asarray(value) for name, value in arrays.items()}
    if fields["logit_lamb"].ndim == 1:
        pool = pool_class(**fields)
    else:
        pool = jax.vmap(lambda fields: pool_class(**fields))(fields)
    n_assets = settings.get("n_assets")
    if n_assets is not None and n_assets != pool.n_assets:
        raise ValueError(
            f"settings['n_assets'] is {n_assets!r} but the parameters describe "
            f"{pool.n_assets} assets (the length of `initial_weights_logits`)."
        )
    return pool, config
