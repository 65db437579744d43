"""Developer sessions: `nox -s tests lint typecheck docs bench slow`."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The default test run (the README's test command), slow tests excluded."""
    session.install(".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Every test, slow ones included, with 500 Hypothesis examples per property."""
    session.install(".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        "-m",
        "slow or not slow",
        "--hypothesis-profile=thorough",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Static type check of the library with pyright."""
    session.install(".", "pyright")
    session.run("pyright")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with `mkdocs build --strict` into `site/`."""
    session.install(".[docs]")
    session.run("mkdocs", "build", "--strict")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (estimators, `simulate`, memory per function, the arbitrage
    rules); results go to `benchmarks/results/` (the memory and rule tables are printed)."""
    session.install(".")
    session.run("python", "benchmarks/run.py", *session.posargs)
    session.run("python", "benchmarks/simulate.py", *session.posargs)
    session.run("python", "benchmarks/memory.py")
    session.run("python", "benchmarks/arbitrage.py")


@nox.session
def bench_sharding(session: nox.Session) -> None:
    """Population training throughput against device count (forced CPU devices)."""
    session.install(".")
    session.run("python", "benchmarks/sharding.py", *session.posargs)
