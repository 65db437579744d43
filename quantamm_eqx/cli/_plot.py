"""`quantamm-eqx plot`: draw the plots of a saved results file."""

import argparse

from ._outputs import PLOT_FILES, say
from ._result_set import result_set


def run_plot(args: argparse.Namespace) -> int:
    """Run the `plot` command; returns the exit status."""
    from ..reports import format_summary, load_run, plot_attribution, plot_values, plot_weights

    record = load_run(args.results)
    output = args.output or args.results.parent
    title = record.metadata.get("pool", {}).get("pool", "pool")
    with result_set(output, PLOT_FILES) as files:
        plot_weights(record, files.stage / "weights.png", title=f"{title}: weights")
        plot_values(record, files.stage / "values.png", title=f"{title}: value")
        if record.attribution is not None:  # older records have none
            plot_attribution(record, files.stage / "attribution.png", title=f"{title}: return")
        written = files.publish()
    say(format_summary(record.metadata.get("summary", {})))
    say(f"\nWrote {', '.join(written)} to {output}/")
    return 0
