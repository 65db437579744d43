"""The search space of a pool class in human units, from its parameters' documented ranges."""

import math
from collections.abc import Mapping
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._validation import ArgumentTypeError, checked_int
from ..pools import AbstractMomentumPool, AbstractTFMMPool, MeanReversionChannelPool
from ..pools import parameter_specs as _specs
from ..transforms import (
    inverse_squareplus,
    lamb_to_memory_days,
    logit,
    memory_days_to_lamb,
    sigmoid,
    squareplus,
)

#: A human parameter's range is searched on a log scale when `high / low` is at least this.
LOG_RATIO = 10.0

#: `from_memory_days`'s human parameters of each pool family: name -> (stored field, map).
_MOMENTUM = {"memory_days": ("logit_lamb", "memory"), "k_per_day": ("log_k", "log2")}
_CHANNEL = {
    "memory_days": ("logit_lamb", "memory"),
    "k_per_day": ("sp_k", "squareplus"),
    "width": ("sp_width", "squareplus"),
    "amplitude_per_day": ("sp_amplitude", "squareplus"),
    "exponents": ("sp_exponents", "squareplus"),
}


class HumanParameter(NamedTuple):
    """One searched value, in human units.

    - `name`: the `from_memory_days` argument (`"memory_days"`), or with `[i]` for
      asset `i`'s own value (`"memory_days[1]"`);
    - `field`: the stored field it sets (`"logit_lamb"`);
    - `low`, `high`: the range, the stored `ParamSpec` range mapped through the transform;
    - `log`: whether to search it on a log scale (`high / low >= 10`);
    - `transform`: the map from stored to human units: `"memory"` (`logit_lamb` to days),
      `"log2"` (`2**log_k`) or `"squareplus"`;
    - `index`: the asset it sets, or `None` for every asset.
    """

    name: str
    field: str
    low: float
    high: float
    log: bool
    transform: str
    index: int | None = None


class SearchSpace(NamedTuple):
    """The human-unit search space of a pool, and how to build a pool from values sampled
    in it: what [`search_space`][quantamm_eqx.search.search_space] returns.

    - `pool_class`: the pool's class;
    - `parameters`: the searched values, a tuple of
      [`HumanParameter`][quantamm_eqx.search.HumanParameter] (drop some to search fewer:
      `space._replace(parameters=space.parameters[:1])`);
    - `chunk_period`: the minutes between rule updates the memory is counted in;
    - `template`: the pool whose other fields (initial weights, the channel's
      `pre_exp_scaling`, ...) every built pool keeps, or `None` for `from_memory_days`'
      defaults.
    """

    pool_class: type
    parameters: tuple[HumanParameter, ...]
    chunk_period: int
    template: AbstractTFMMPool | None = None

    def pool(self, values: Mapping[str, float], *, n_assets: int | None = None):
        """The pool with `values` (human units, by parameter name) and the template's other
        fields; a parameter left out of `values` keeps the template's value.

        **Arguments:**

        - `values`: a dict from parameter name to value, e.g. an Optuna trial's `params`.
        - `n_assets`: the number of assets; needed only without a template.

        **Returns:**

        The pool (an instance of `pool_class`).

        **Raises:**

        `ValueError` for a name that is not in the space, or a missing `n_assets`.
        """
        template = self.template
        if template is None:
            if n_assets is None:
                raise ValueError("`n_assets` is needed to build a pool of a space without a pool.")
            template = self.pool_class.from_memory_days(
                n_assets=n_assets, chunk_period=self.chunk_period
            )
        n_assets = template.initial_weights_logits.shape[-1]
        known = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"`values` has {unknown}, which the space does not hold: {sorted(known)}."
            )
        pool = template
        for name, value in values.items():
            parameter = known[name]
            current = np.asarray(getattr(pool, parameter.field))
            stored = np.broadcast_to(current, (n_assets,)).astype(np.float64)
            new = float(_to_stored(float(value), parameter.transform, self.chunk_period))
            if parameter.index is None:
                stored = np.full(current.shape, new)
            else:
                stored = stored.copy()
                stored[parameter.index] = new
            array = jnp.asarray(stored, dtype=current.dtype)
            pool = eqx.tree_at(lambda tree, f=parameter.field: getattr(tree, f), pool, array)
        return pool


def _to_human(stored: float, transform: str, chunk_period: int) -> float:
    """`stored` in human units, in float64 (a scoped precision: the ranges do not depend
    on the caller's)."""
    if transform == "memory":
        with jax.enable_x64(True):
            return float(lamb_to_memory_days(sigmoid(stored), chunk_period))
    if transform == "log2":
        return float(2.0**stored)
    with jax.enable_x64(True):
        return float(squareplus(stored))


def _to_stored(value: float, transform: str, chunk_period: int) -> float:
    with jax.enable_x64(True):
        if transform == "memory":
            return float(logit(memory_days_to_lamb(value, chunk_period)))
        if transform == "log2":
            return math.log2(value)
        return float(inverse_squareplus(value))


def search_space(
    pool_or_class: AbstractTFMMPool | type,
    *,
    chunk_period: int,
    per_asset: bool = False,
    n_assets: int | None = None,
    max_memory_days: float | None = None,
) -> SearchSpace:
    """The search space of a pool in human units: `from_memory_days`' arguments, over the
    stored parameters' documented ranges ([`ParamSpec`][quantamm_eqx.ParamSpec] `low`,
    `high`) mapped through the library's transforms.

    For [`MomentumPool`][quantamm_eqx.MomentumPool] and
    [`AntiMomentumPool`][quantamm_eqx.AntiMomentumPool]:

    - `memory_days`: `logit_lamb` in [-4, 8] through `sigmoid` and
      [`lamb_to_memory_days`][quantamm_eqx.transforms.lamb_to_memory_days] (0.040 to 451.5
      days at a 60-minute chunk, 0.97 to 10,836 at a daily one), capped at
      `max_memory_days`;
    - `k_per_day`: `2**log_k` with `log_k` in [-6.6, 12] (0.0103 to 4096).

    For [`MeanReversionChannelPool`][quantamm_eqx.MeanReversionChannelPool], `memory_days`
    as above and, through [`squareplus`][quantamm_eqx.transforms.squareplus]:

    - `k_per_day`: `sp_k` in [-1, 100] (0.618 to 100.01);
    - `width`: `sp_width` in [-3, 3] (0.303 to 3.30);
    - `amplitude_per_day`: `sp_amplitude` in [-3, 4] (0.303 to 4.24);
    - `exponents`: `sp_exponents` in [-2, 4] (0.414 to 4.24).

    Every range above spans at least a factor of 10, so each is searched on a log scale.

    **Arguments:**

    - `pool_or_class`: a pool (its other fields are kept by the pools built from the space)
      or a pool class.
    - `chunk_period`: the minutes between rule updates the memory is counted in.
    - `per_asset`: one value per asset (`"memory_days[0]"`, `"memory_days[1]"`, ...) instead
      of one shared by every asset.
    - `n_assets`: the number of assets, needed for `per_asset` with a class.
    - `max_memory_days`: a memory cap (the configuration's): the memory's `high` is at most
      this.

    **Returns:**

    The [`SearchSpace`][quantamm_eqx.search.SearchSpace].

    **Raises:**

    `ValueError` naming the argument for a pool that is not a momentum, anti-momentum or
    channel pool, or `per_asset` with a class and no `n_assets`.

    **Example:**

    ```python
    >>> from quantamm_eqx import MomentumPool
    >>> from quantamm_eqx.search import search_space
    >>> space = search_space(MomentumPool, chunk_period=60)
    >>> [(p.name, round(p.low, 3), round(p.high, 1), p.log) for p in space.parameters]
    [('memory_days', 0.04, 451.5, True), ('k_per_day', 0.01, 4096.0, True)]
    >>> pool = space.pool({"memory_days": 5.0, "k_per_day": 20.0}, n_assets=2)
    >>> [round(float(lamb), 5) for lamb in pool.lamb], pool.log_k.shape
    ([0.97002, 0.97002], (2,))
    ```
    """
    template = None
    pool_class = pool_or_class
    if not isinstance(pool_or_class, type):
        if not isinstance(pool_or_class, AbstractTFMMPool):
            raise ArgumentTypeError(
                f"`pool_or_class` must be a pool or a pool class; got {pool_or_class!r}."
            )
        template, pool_class = pool_or_class, type(pool_or_class)
        n_assets = template.initial_weights_logits.shape[-1]
    if issubclass(pool_class, AbstractMomentumPool):
        human = _MOMENTUM
    elif issubclass(pool_class, MeanReversionChannelPool):
        human = _CHANNEL
    else:
        raise ValueError(
            f"`pool_or_class`: {pool_class.__name__} has no human-unit search space; search a "
            "MomentumPool, AntiMomentumPool or MeanReversionChannelPool."
        )
    chunk_period = checked_int(chunk_period, "chunk_period", 1)
    if per_asset and n_assets is None:
        raise ValueError("`n_assets` is needed for `per_asset=True` with a pool class.")
    specs = _specs(pool_class)
    parameters = []
    for name, (field, transform) in human.items():
        spec = specs[field]
        low = _to_human(spec.low, transform, chunk_period)
        high = _to_human(spec.high, transform, chunk_period)
        if transform == "memory" and max_memory_days is not None:
            high = min(high, float(max_memory_days))
        log = high / low >= LOG_RATIO
        if per_asset:
            parameters += [
                HumanParameter(f"{name}[{i}]", field, low, high, log, transform, i)
                for i in range(checked_int(n_assets, "n_assets", 2))
            ]
        else:
            parameters.append(HumanParameter(name, field, low, high, log, transform))
    return SearchSpace(pool_class, tuple(parameters), chunk_period, template)
