"""`python -m benchmarks.simulate`: see `benchmarks.simulate`."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
