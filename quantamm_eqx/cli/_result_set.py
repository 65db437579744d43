"""A command's files as one set: written into a staging folder, then published together.

A command writes every file of its run into `<output>/.staging-<pid>-<random>/`. Publishing
writes the plan into the staging folder (`COMMITTED`, created atomically: the commit
point), moves each file onto its name in `<output>`, deletes the files of the command's
set that this run did not write (so no file of an earlier run is left beside the new
ones), and removes the staging folder. Ctrl-C is held back while that happens.

Whatever kills a run, the next command on the folder finishes the job
([`recover`][quantamm_eqx.cli._result_set.recover]): a complete staging folder is
published (its set is whole), an incomplete one whose process has gone is deleted, and so
are the temporary files of interrupted atomic writes. So `<output>` only ever holds whole
sets.
"""

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_STAGING_PREFIX = ".staging-"
_COMMITTED = "COMMITTED"


class ResultSet:
    """The files one command writes to `folder`, staged and then published as a set.

    `names` are every file the command may write (its set); `stage` is where to write them.
    A `folder` that holds files (other than hidden ones) is refused unless `overwrite`: then
    publishing replaces the files of the set there.
    """

    def __init__(self, folder: Path, names: tuple[str, ...], overwrite: bool = False):
        self.folder = folder
        self.names = names
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(
                f"--output {folder} cannot be created ({error.strerror}); choose another "
                "folder with --output."
            ) from error
        recover(folder)
        held = sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))
        if held and not overwrite:
            listed = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
            raise ValueError(
                f"--output {folder} holds another run's files ({listed}); choose a new folder "
                "with --output (or leave it out for a new numbered one), or pass --overwrite "
                "to replace them."
            )
        # Creating the staging folder is the check that `folder` is writable, before any work.
        try:
            stage = tempfile.mkdtemp(dir=folder, prefix=f"{_STAGING_PREFIX}{os.getpid()}-")
        except OSError as error:
            raise OSError(
                f"--output {folder} is not writable ({error.strerror}); choose another folder "
                "with --output."
            ) from error
        self.stage = Path(stage)

    def publish(self) -> list[str]:
        """Move the staged files into the folder as one set; returns the names written."""
        with _hold_interrupts():
            written = [name for name in self.names if (self.stage / name).exists()]
            plan = [f"write {name}" for name in written]
            plan += [f"delete {name}" for name in self.names if name not in written]
            draft = self.stage / f"{_COMMITTED}.part"
            draft.write_text("\n".join(plan))
            os.replace(draft, self.stage / _COMMITTED)  # the commit point
            _publish(self.stage, self.folder)
        return written

    def discard(self) -> None:
        """Delete the staged files (the folder is left as it was)."""
        shutil.rmtree(self.stage, ignore_errors=True)


@contextlib.contextmanager
def result_set(
    folder: Path, names: tuple[str, ...], overwrite: bool = False
) -> Iterator[ResultSet]:
    """A [`ResultSet`][quantamm_eqx.cli._result_set.ResultSet] discarded unless published.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> from quantamm_eqx.cli._result_set import result_set
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with result_set(folder, ("a.txt", "b.txt")) as files:
    ...     _ = (files.stage / "a.txt").write_text("new")
    ...     files.publish()
    ['a.txt']
    >>> sorted(path.name for path in folder.iterdir())
    ['a.txt']
    ```
    """
    files = ResultSet(folder, names, overwrite)
    try:
        yield files
    finally:
        files.discard()


def new_run_folder(root: Path, command: str) -> Path:
    """Create and return `root/<command>-<n>`, with `n` one more than the largest there.

    The folder is created exclusively, so two runs started together never share one.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> from quantamm_eqx.cli._result_set import new_run_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> [new_run_folder(root, "train").name for _ in range(2)]
    ['train-1', 'train-2']
    ```
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"{root} cannot be created ({error.strerror}); choose a folder with --output."
        ) from error
    taken = [path.name.removeprefix(f"{command}-") for path in root.glob(f"{command}-*")]
    number = 1 + max((int(text) for text in taken if text.isdigit()), default=0)
    while True:
        folder = root / f"{command}-{number}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            number += 1


def recover(folder: Path) -> None:
    """Finish what interrupted runs left in `folder`: publish complete staging folders,
    delete incomplete ones whose process has gone, and stale temporary files."""
    from .._atomic import process_alive, stale_temporary_files  # not needed to parse

    for stage in sorted(folder.glob(f"{_STAGING_PREFIX}*")):
        if not stage.is_dir():
            continue
        if (stage / _COMMITTED).exists():
            _publish(stage, folder)
        elif not process_alive(_owner(stage)):
            shutil.rmtree(stage, ignore_errors=True)
    for path in stale_temporary_files(folder):
        path.unlink(missing_ok=True)


def _publish(stage: Path, folder: Path) -> None:
    """Carry out a committed staging folder's plan, then remove it.

    Idempotent, so a publish cut short is finished by the next `recover`: a file already
    moved is simply no longer in `stage`.
    """
    for line in (stage / _COMMITTED).read_text().splitlines():
        action, _, name = line.partition(" ")
        if action == "write" and (stage / name).exists():
            os.replace(stage / name, folder / name)
        elif action == "delete":
            (folder / name).unlink(missing_ok=True)  # an earlier run's, not in this set
    shutil.rmtree(stage, ignore_errors=True)


def _owner(stage: Path) -> int:
    """The process id in a staging folder's name (0 if unreadable)."""
    digits = stage.name.removeprefix(_STAGING_PREFIX).partition("-")[0]
    return int(digits) if digits.isdigit() else 0


@contextlib.contextmanager
def _hold_interrupts() -> Iterator[None]:
    """Defer Ctrl-C (SIGINT) until the block ends; a no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *args: received.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt
