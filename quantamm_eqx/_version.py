"""The installed version, read without importing the library (the command line's --version)."""

import importlib.metadata


def installed_version() -> str:
    """The distribution's version, or `"0.0.0"` when running from a source tree.

    **Example:**

    ```python
    >>> from quantamm_eqx._version import installed_version
    >>> installed_version().count(".") >= 2
    True
    ```
    """
    try:
        return importlib.metadata.version("quantamm_eqx")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"
