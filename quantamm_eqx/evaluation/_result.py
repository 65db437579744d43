"""What [`walk_forward`][quantamm_eqx.evaluation.walk_forward] returns."""

import math

import equinox as eqx
import numpy as np
from jaxtyping import Array, Float, Int

from ..pools import AbstractTFMMPool
from ._bootstrap import BootstrapInterval
from ._statistics import DeflatedSharpe
from ._windows import Window


class WalkForwardResult(eqx.Module):
    """The result of [`walk_forward`][quantamm_eqx.evaluation.walk_forward].

    **Fields:**

    - `windows`: the [`Window`][quantamm_eqx.evaluation.Window]s, in time order;
    - `pools`: the pool trained in each window;
    - `in_sample`: each trained pool's objective over its whole training span,
      `(window,)`;
    - `out_of_sample`: its objective over the test span that follows, `(window,)`;
    - `oos_minutes`: the minute (price row) of each point of the stitched curves: the test
      spans' minutes, window after window;
    - `oos_values`: the stitched out-of-sample value curve: each window's pool value over
      its test span, chained so that each window starts with what the previous one ended
      with (its last reserves, valued at the window's first prices);
    - `hodl_values`: the value, over the same minutes, of the first test span's starting
      reserves held untouched (HODL), from the same starting value;
    - `deflated_sharpe`: the [`DeflatedSharpe`][quantamm_eqx.evaluation.DeflatedSharpe] of
      the stitched curve's daily returns (all NaN with fewer than 3 of them);
    - `sharpe_interval`: a block-bootstrap
      [`BootstrapInterval`][quantamm_eqx.evaluation.BootstrapInterval] of the annualised
      Sharpe ratio of those daily returns (NaN with fewer than 3);
    - `objective`: the objective's name.

    **Example:**

    ```python
    >>> import dataclasses
    >>> from quantamm_eqx.evaluation import WalkForwardResult
    >>> [field.name for field in dataclasses.fields(WalkForwardResult)][:4]
    ['windows', 'pools', 'in_sample', 'out_of_sample']
    ```
    """

    windows: tuple[Window, ...] = eqx.field(static=True)
    pools: tuple[AbstractTFMMPool, ...]
    in_sample: Float[Array, " window"]
    out_of_sample: Float[Array, " window"]
    oos_minutes: Int[Array, " minute"]
    oos_values: Float[Array, " minute"]
    hodl_values: Float[Array, " minute"]
    deflated_sharpe: DeflatedSharpe
    sharpe_interval: BootstrapInterval
    objective: str = eqx.field(static=True)

    @property
    def n_windows(self) -> int:
        """The number of windows."""
        return len(self.windows)

    @property
    def walk_forward_efficiency(self) -> float:
        """`mean(out_of_sample) / mean(in_sample)`: the share of the in-sample objective that
        survives out of sample (1: all of it; near 0 or below: little or none).

        The ratio only means that when the mean in-sample objective is positive: it is NaN
        otherwise (two negative means would make a positive, flattering ratio). Objectives
        that are never positive (drawdowns) have no efficiency; compare `gap` instead.
        """
        in_sample = float(np.mean(np.asarray(self.in_sample)))
        if not in_sample > 0:
            return math.nan
        return float(np.mean(np.asarray(self.out_of_sample))) / in_sample

    @property
    def gap(self) -> float:
        """`mean(in_sample) - mean(out_of_sample)`: how much the objective falls out of sample
        (positive: worse on unseen data, the usual sign of overfitting)."""
        return float(np.mean(np.asarray(self.in_sample)) - np.mean(np.asarray(self.out_of_sample)))
