"""Developer sessions: `nox -s tests lint typecheck docs bench slow` (and `bench_sharding`,
`bench_fit`, `bench_gpu`, `bench_reference`, `bench_search`)."""

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
    """Run the benchmarks (`python -m benchmarks.<name>`: the estimators, `simulate`, memory
    per function, the arbitrage rules); each writes JSON and Markdown to `benchmarks/results/`.
    Arguments after `--` go to every one: `--quick`, `--runs N`, `--out DIR`."""
    session.install(".")
    for name in ("run", "simulate", "memory", "arbitrage"):
        session.run("python", "-m", f"benchmarks.{name}", *session.posargs)


@nox.session
def bench_sharding(session: nox.Session) -> None:
    """Population training throughput against device count (forced CPU devices):
    `python -m benchmarks.sharding`, arguments after `--` passed on."""
    session.install(".")
    session.run("python", "-m", "benchmarks.sharding", *session.posargs)


@nox.session
def bench_fit(session: nox.Session) -> None:
    """`fit`'s training throughput on the standard job (16 members x 4 windows x 30 days,
    fees off and on): `python -m benchmarks.fit`, arguments after `--` passed on."""
    session.install(".")
    session.run("python", "-m", "benchmarks.fit", *session.posargs)


@nox.session
def bench_gpu(session: nox.Session) -> None:
    """A population of 1024 pools on one accelerator (no-fee value-and-grad over a year, the
    fee path per minute-step): `python -m benchmarks.gpu`; install the accelerator's JAX
    first (e.g. `jax[cuda12]`). `nox -s bench_gpu -- --small` is a CPU smoke run."""
    session.install(".")
    session.run("python", "-m", "benchmarks.gpu", *session.posargs)


@nox.session
def bench_reference(session: nox.Session) -> None:
    """quantamm_eqx against quantammsim, side by side: `python -m benchmarks.side_by_side`,
    arguments after `--` passed on (`--reference-python`, `--reference-src`: an environment
    with quantammsim, which is not a dependency)."""
    session.install(".")
    session.run("python", "-m", "benchmarks.side_by_side", *session.posargs)


@nox.session
def bench_search(session: nox.Session) -> None:
    """Gradient training, Optuna and CMA-ES on the built-in stocks (the numbers of
    docs/how-to/search.md): `python -m benchmarks.search_compare`, arguments after `--`
    passed on."""
    session.install(".[search,data]")
    session.run("python", "-m", "benchmarks.search_compare", *session.posargs)
