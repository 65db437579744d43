"""The windows of a walk-forward evaluation: a training span, then the test span right after
it, moved through the data in rolling or expanding steps."""

from collections.abc import Callable
from typing import NamedTuple

from .._validation import checked_int


class Window(NamedTuple):
    """One walk-forward window, in minutes of the prices: training on
    `[train_start, train_stop)`, testing on `[test_start, test_stop)`, with
    `test_start == train_stop` (the test span follows the training span, never overlaps it).
    """

    train_start: int
    train_stop: int
    test_start: int
    test_stop: int

    @property
    def train_length(self) -> int:
        """Minutes of training data."""
        return self.train_stop - self.train_start

    @property
    def test_length(self) -> int:
        """Minutes of test data."""
        return self.test_stop - self.test_start


def _rolling(start: int, index: int, step: int, train_length: int) -> tuple[int, int]:
    """A training span of fixed length that moves forward by `step` each window."""
    first = start + index * step
    return first, first + train_length


def _expanding(start: int, index: int, step: int, train_length: int) -> tuple[int, int]:
    """A training span from `start` on that grows by `step` each window."""
    return start, start + train_length + index * step


#: How each mode places window `index`'s training span: `(start, index, step, train_length)
#: -> (train_start, train_stop)`.
_TRAINING_SPANS: dict[str, Callable[[int, int, int, int], tuple[int, int]]] = {
    "rolling": _rolling,
    "expanding": _expanding,
}


def walk_forward_windows(
    n_minutes: int,
    *,
    train_length: int,
    test_length: int,
    step: int | None = None,
    mode: str = "rolling",
    start: int = 0,
) -> list[Window]:
    """The windows of a walk-forward evaluation over `n_minutes` of prices.

    Window `k` trains on a span that ends at `start + train_length + k * step` and tests on
    the `test_length` minutes right after it. In `"rolling"` mode the training span keeps
    its length and moves forward by `step`; in `"expanding"` mode it always starts at
    `start` and grows by `step`. Windows are produced while their test span fits in the
    data; the minutes after the last one are left out.

    **Arguments:**

    - `n_minutes`: the number of price rows.
    - `train_length`: minutes of the (first) training span, at least 1.
    - `test_length`: minutes of each test span, at least 1.
    - `step`: minutes between consecutive windows; default `test_length`, so the test
      spans tile the data after the first training span.
    - `mode`: `"rolling"` or `"expanding"`.
    - `start`: the first usable minute (say, the end of the estimator's burn-in).

    **Returns:**

    A list of [`Window`][quantamm_eqx.evaluation.Window]s, in time order, at least one.

    **Raises:**

    `ValueError` naming the argument: non-integer or non-positive lengths or `step`, a
    negative `start`, an unknown `mode`, and windows longer than the data (naming
    `train_length` and `test_length`, with the minutes needed and available).

    **Example:**

    ```python
    >>> from quantamm_eqx.evaluation import walk_forward_windows
    >>> for window in walk_forward_windows(100, train_length=40, test_length=20, start=10):
    ...     print(tuple(window))
    (10, 50, 50, 70)
    (30, 70, 70, 90)
    >>> [tuple(w) for w in walk_forward_windows(100, train_length=40, test_length=20,
    ...                                          start=10, mode="expanding")]
    [(10, 50, 50, 70), (10, 70, 70, 90)]
    >>> walk_forward_windows(100, train_length=80, test_length=30)
    Traceback (most recent call last):
    ...
    ValueError: The windows are longer than the data: `train_length`=80 plus
    `test_length`=30 from minute `start`=0 need 110 minutes, and the data has 100. ...
    ```
    """
    n_minutes = checked_int(n_minutes, "n_minutes", 0)
    train_length = checked_int(train_length, "train_length", 1)
    test_length = checked_int(test_length, "test_length", 1)
    step = test_length if step is None else checked_int(step, "step", 1)
    start = checked_int(start, "start", 0)
    if mode not in _TRAINING_SPANS:
        raise ValueError(f"`mode` must be one of {tuple(_TRAINING_SPANS)}; got {mode!r}.")
    training_span = _TRAINING_SPANS[mode]
    needed = start + train_length + test_length
    if needed > n_minutes:
        raise ValueError(
            f"The windows are longer than the data: `train_length`={train_length} plus "
            f"`test_length`={test_length} from minute `start`={start} need {needed} minutes, "
            f"and the data has {n_minutes}. Shorten `train_length` or `test_length`, start "
            "earlier, or add data."
        )
    count = (n_minutes - needed) // step + 1  # both modes: test_stop = needed + k * step
    windows = []
    for index in range(count):
        train_start, train_stop = training_span(start, index, step, train_length)
        windows.append(Window(train_start, train_stop, train_stop, train_stop + test_length))
    return windows
