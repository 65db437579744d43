"""Atomic file writes: a file is either complete or absent, even after Ctrl-C."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` when the block succeeds.

    If the block raises (`KeyboardInterrupt` included) the temporary file is removed and
    `path` is left as it was.

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
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
