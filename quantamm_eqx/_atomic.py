"""Atomic file writes: a file is either complete or absent, even after Ctrl-C."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Marks the writing process's id in a temporary file's name.
_PID_MARK = "pid"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` when the block succeeds.

    If the block raises (`KeyboardInterrupt` included) the temporary file is removed and
    `path` is left as it was. Its name, `.<name>.pid<process id>-<random>.tmp`, lets
    [`stale_temporary_files`][quantamm_eqx._atomic.stale_temporary_files] find the ones a
    killed process left.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> from quantamm_eqx._atomic import atomic_path
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as temporary:
    ...     _ = temporary.write_text("done")
    >>> target.read_text()
    'done'
    ```
    """
    path = Path(path)
    prefix = f".{path.name}.{_PID_MARK}{os.getpid()}-"
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # a new file's usual mode, not mkstemp's 0600
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (False for ids below 1).

    **Example:**

    ```python
    >>> import os
    >>> from quantamm_eqx._atomic import process_alive
    >>> process_alive(os.getpid()), process_alive(0)
    (True, False)
    ```
    """
    if pid < 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def stale_temporary_files(folder: str | os.PathLike) -> list[Path]:
    """The temporary files of `atomic_path` in `folder` whose writing process has gone.

    **Example:**

    ```python
    >>> import pathlib, tempfile
    >>> from quantamm_eqx._atomic import stale_temporary_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".pool.eqx.pid999999999-abc.tmp").write_text("")
    >>> [path.name for path in stale_temporary_files(folder)]
    ['.pool.eqx.pid999999999-abc.tmp']
    ```
    """
    stale = []
    for path in Path(folder).glob(f".*.{_PID_MARK}*.tmp"):
        digits = path.name.rpartition(f".{_PID_MARK}")[2].partition("-")[0]
        if digits.isdigit() and not process_alive(int(digits)):
            stale.append(path)
    return sorted(stale)
