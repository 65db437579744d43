"""`quantamm-eqx plot`: draw the plots of a saved results file."""

import argparse

from ._outputs import PLOT_FILES, draw_plots, say
from ._result_set import result_set


def run_plot(args: argparse.Namespace) -> int:
    """Run the `plot` command; returns the exit status."""
    from ..reports import format_summary, load_run

    record = load_run(args.results)
    with result_set(args.output, PLOT_FILES, args.overwrite) as files:
        draw_plots(record, files.stage, log_scale=args.log_scale)
        written = files.publish()
    say(format_summary(record.metadata.get("summary", {})))
    say(f"\nWrote {', '.join(written)} to {args.output}/")
    return 0
