"""The entry point of `quantamm-eqx`: parse the arguments, then run the command with its
precision, turning the library's errors into an exit status."""

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ._options import DEFAULT_ROOT
from ._parser import build_parser
from ._result_set import new_run_folder


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs the command `name` (imported after parsing: --help is fast)."""
    if name == "simulate":
        from ._simulate import run_simulate

        return run_simulate
    if name == "train":
        from ._train import run_train

        return run_train
    if name == "walk-forward":
        from ._walk_forward import run_walk_forward

        return run_walk_forward
    if name == "search":
        from ._search import run_search

        return run_search
    from ._plot import run_plot

    return run_plot


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quantamm-eqx` console script; returns the exit status.

    Invalid settings or data exit with status 2 and the library's message; training that
    cannot progress (every step of a chunk skipped) exits with status 1; Ctrl-C exits
    with status 130. Each run writes to a folder of its own: --output (refused if it holds
    files, unless --overwrite) or a new numbered folder in `quantamm-eqx-results/`, removed
    again if the run fails before writing. A run's files are published there as one set.

    **Example:**

    ```python
    >>> from quantamm_eqx.cli import main
    >>> main(["plot", "no-such-run/results.npz"])  # the message goes to standard error
    2
    ```
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["train", *argv]
    args = parser.parse_args(argv)
    import jax

    created = None
    try:
        if args.command != "plot":
            from ._resolve import resolve

            resolve(args)
        if args.output is None:
            args.output = created = new_run_folder(Path(DEFAULT_ROOT), args.command)
        elif args.output.exists() and not args.output.is_dir():
            raise ValueError(f"--output {args.output} is a file; give a folder (new or empty).")
        # The command's precision (float64 unless --float32), scoped to this run.
        with jax.enable_x64(not getattr(args, "float32", False)):
            return _command(args.command)(args)
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
    finally:
        if created is not None and created.is_dir() and not any(created.iterdir()):
            created.rmdir()  # the run wrote nothing
