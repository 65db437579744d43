"""`quantamm-eqx plot`: draw the plots of a saved results file."""

import argparse

from ._outputs import say


def run_plot(args: argparse.Namespace) -> int:
    """Run the `plot` command; returns the exit status."""
    from ..reports import format_summary, load_run, plot_values, plot_weights

    record = load_run(args.results)
    output = args.output or args.results.parent
    output.mkdir(parents=True, exist_ok=True)
    title = record.metadata.get("pool", {}).get("pool", "pool")
    plot_weights(record, output / "weights.png", title=f"{title}: weights")
    plot_values(record, output / "values.png", title=f"{title}: value")
    say(format_summary(record.metadata.get("summary", {})))
    say(f"\nWrote weights.png, values.png to {output}/")
    return 0
