"""The entry point of `quantamm-eqx`: parse the arguments, then run the command with its
precision, turning the library's errors into an exit status."""

import argparse
import sys
from collections.abc import Callable, Sequence

from ._parser import build_parser
from ._plot import run_plot
from ._simulate import run_simulate
from ._train import run_train

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "simulate": run_simulate,
    "train": run_train,
    "plot": run_plot,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quantamm-eqx` console script; returns the exit status.

    Invalid settings or data exit with status 2 and the library's message; training that
    cannot progress (every step of a chunk skipped) exits with status 1; Ctrl-C exits
    with status 130. A run's files are published to its output folder as one set, so the
    folder never mixes an interrupted run's files with an earlier run's.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli import main
    >>> main(["plot", "no-such-run/results.npz"])  # the message goes to standard error
    2
    ```
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["train", *argv]
    args = parser.parse_args(argv)
    import jax

    try:
        output = getattr(args, "output", None)
        if output is not None and output.exists() and not output.is_dir():
            raise ValueError(f"--output {output} is a file; give a directory (new or existing).")
        # The command's precision (float64 unless --float32), scoped to this run.
        with jax.enable_x64(not getattr(args, "float32", False)):
            return _COMMANDS[args.command](args)
    except (ValueError, OSError, ImportError) as error:
        print(f"quantamm-eqx: error: {error}", file=sys.stderr)
        return 2
    except FloatingPointError as error:  # training that cannot progress (every step skipped)
        print(f"quantamm-eqx: training stopped: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nquantamm-eqx: interrupted; the output folder holds only whole runs' files.",
            file=sys.stderr,
        )
        return 130
