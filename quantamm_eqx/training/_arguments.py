"""Checks of `fit`'s arguments beyond the shared ones: the optimiser, early stopping,
averaging and the regularisers' strengths."""

import optax

from .._validation import checked_instance, checked_int


def checked_optimizer(optimizer: object) -> optax.GradientTransformation:
    """`optimizer` if it is an optax transformation, else an error saying what to pass."""
    return checked_instance(
        optimizer,
        optax.GradientTransformation,
        "optimizer",
        "an optax.GradientTransformation, e.g. optax.adam(1e-2)",
    )


def checked_patience(patience: object, validate: bool) -> int | None:
    """`patience` (steps without improvement before stopping), `None`, or an error."""
    if patience is None:
        return None
    patience = checked_int(patience, "patience", 1)
    if not validate:
        raise ValueError(
            "`patience` stops on the validation objective: pass `val_fraction` > 0 too, or "
            "drop `patience`."
        )
    return patience


def checked_average_from(average_from: object, steps: int) -> int | None:
    """The first averaged step, in `[0, steps)`, or `None`."""
    if average_from is None:
        return None
    average_from = checked_int(average_from, "average_from", 0)
    if average_from >= steps:
        raise ValueError(
            f"`average_from`={average_from} averages no step of a run of {steps}: use a step "
            "below `steps`."
        )
    return average_from
