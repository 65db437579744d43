"""The harness every benchmark shares: options, timing, the machine header, results files.

- Options: `parser()` adds `--quick`, `--runs N` and `--out DIR` (default
  `benchmarks/results/`) with one meaning everywhere; `runs_from()` resolves `--runs`.
- Timing: `compile_timed()` measures tracing, lowering and XLA compilation alone;
  `warm_and_time()` makes one warm-up call, timed but kept out of the statistics, then
  times `runs` calls, each ended with `jax.block_until_ready`; `Timing` holds the median,
  the minimum and the number of runs.
- Header: `machine_info()` and `describe_machine()`: processor, OS, Python, JAX, the
  quantamm_eqx version and git revision, device and precision; `now()` the UTC date.
- Results: `write_results()` writes `<out>/<stem>.json` and `<out>/<stem>.md`, each
  atomically (a temporary file in the same directory, then `os.replace`), so an interrupted
  run leaves the previous files intact and no half-written file behind.
- Processes: `run_module()` runs `python -m benchmarks.<name> ...` in a fresh interpreter
  from the repository root (a case's own process, for its peak memory or device count).
- Data: `gbm_prices()`, seeded geometric Brownian motion prices.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import quantamm_eqx

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
DEFAULT_RUNS = 5
QUICK_RUNS = 2
#: A function whose warm-up call took longer than this (s) is timed over `SLOW_RUNS` calls
#: (where the caller allows it).
SLOW_WARMUP_S = 10.0
SLOW_RUNS = 2


# -- options ---------------------------------------------------------------------------------


def parser(
    module: str,
    description: str,
    *,
    quick: str | None = None,
    runs: bool = True,
    runs_help: str | None = None,
) -> argparse.ArgumentParser:
    """The argument parser of `python -m <module>`, with the shared options: `--quick` (if a
    help text for it is given), `--runs` (unless `runs` is False; `runs_help` replaces its
    help text) and `--out`."""
    result = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    if quick is not None:
        result.add_argument("--quick", action="store_true", help=f"smoke run: {quick}")
    if runs:
        result.add_argument(
            "--runs",
            type=int,
            default=None,
            help=runs_help
            or f"timed calls per function (default {DEFAULT_RUNS}"
            + (f"; {QUICK_RUNS} with --quick)" if quick is not None else ")"),
        )
    result.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: benchmarks/results)",
    )
    return result


def runs_from(args: argparse.Namespace) -> int:
    """`--runs`, or its default (fewer with `--quick`); at least 1."""
    runs = args.runs
    if runs is None:
        runs = QUICK_RUNS if getattr(args, "quick", False) else DEFAULT_RUNS
    if runs < 1:
        raise SystemExit("--runs must be at least 1")
    return runs


def comma_list(text: str) -> list[str]:
    """`a,b,c` as `["a", "b", "c"]` (empty items dropped)."""
    return [item.strip() for item in text.split(",") if item.strip()]


# -- timing ----------------------------------------------------------------------------------


class Timing(TypedDict):
    """The timed calls of one compiled function (seconds)."""

    warmup_s: float
    median_s: float
    min_s: float
    runs: int


def compile_timed(
    fn: Callable[..., Any], *args: Any, jit: Callable[..., Any] = eqx.filter_jit
) -> tuple[Callable[..., Any], float]:
    """`jit(fn).lower(*args).compile()` and its wall time (tracing, lowering, compiling)."""
    start = time.perf_counter()
    compiled = jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - start


def time_calls(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall times of `runs` calls of `fn`, each waited on with `jax.block_until_ready`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return times


def warm_and_time(
    fn: Callable[[], Any], runs: int, *, slow_warmup_s: float | None = SLOW_WARMUP_S
) -> tuple[Any, Timing]:
    """One warm-up call, timed but kept out of the statistics, then `runs` timed calls.

    When the warm-up took more than `slow_warmup_s` (None: never), `min(runs, SLOW_RUNS)`
    calls are timed instead. Returns the warm-up's result and the timing.
    """
    start = time.perf_counter()
    out = jax.block_until_ready(fn())
    warmup_s = time.perf_counter() - start
    if slow_warmup_s is not None and warmup_s > slow_warmup_s:
        runs = min(runs, SLOW_RUNS)
    times = time_calls(fn, runs)
    timing = Timing(
        warmup_s=warmup_s, median_s=statistics.median(times), min_s=min(times), runs=len(times)
    )
    return out, timing


def max_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB (`ru_maxrss` on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def mb(kib: float) -> float:
    """KiB to MB (10**6 bytes)."""
    return kib * 1024 / 1e6


# -- the header ------------------------------------------------------------------------------


def now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def cpu_model() -> str:
    """The CPU model name (from `/proc/cpuinfo` on Linux), else `platform.processor()`."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def git_revision() -> str | None:
    """`git describe --always --dirty` of the repository, or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def machine_info(dtype: Any) -> dict[str, Any]:
    """What the numbers were measured on, and with which versions."""
    uname = platform.uname()
    device = jax.devices()[0]
    kind = device.device_kind
    return {
        "processor": cpu_model(),
        "uname": f"{uname.system} {uname.release} {uname.machine}",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "quantamm_eqx": quantamm_eqx.__version__,
        "git": git_revision(),
        "device": device.platform
        if kind.lower() == device.platform
        else f"{device.platform} ({kind})",
        "device_count": jax.device_count(),
        "dtype": jnp.dtype(dtype).name,
    }


def describe_machine(machine: Mapping[str, Any]) -> str:
    """A one-line description of the machine and versions."""
    version = f"quantamm_eqx {machine.get('quantamm_eqx', '?')}"
    if machine.get("git"):
        version += f" (git {machine['git']})"
    return (
        f"{machine['processor']}, {machine['cpu_count']} CPUs, {machine['uname']}; "
        f"Python {machine['python']}, JAX {machine['jax']} on {machine['device']}; "
        f"{version}; {machine['dtype']}"
    )


def header_lines(machine: Mapping[str, Any], date: str) -> str:
    """The Markdown list items every results file starts with."""
    return f"- Machine: {describe_machine(machine)}\n- Date: {date}\n"


# -- results ---------------------------------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates the file private (0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_json(path: Path, document: Any) -> None:
    """`document` as indented JSON at `path`, atomically."""
    write_atomic(path, json.dumps(document, indent=2) + "\n")


def write_results(out: Path, stem: str, document: Mapping[str, Any], markdown: str) -> None:
    """`<out>/<stem>.json` and `<out>/<stem>.md`, each atomically; print the Markdown."""
    write_json(out / f"{stem}.json", document)
    write_atomic(out / f"{stem}.md", markdown)
    print()
    print(markdown)
    print(f"Wrote {out / f'{stem}.json'} and {out / f'{stem}.md'}", flush=True)


# -- processes -------------------------------------------------------------------------------


def run_module(
    module: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` in a fresh interpreter, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=None if env is None else dict(env),
        capture_output=capture,
        text=True,
        check=check,
    )


# -- data ------------------------------------------------------------------------------------


def gbm_prices(n_steps: int, n_assets: int, seed: int, dtype: Any) -> jax.Array:
    """Seeded geometric Brownian motion prices, shape `(n_steps, n_assets)`, starting at 100.

    Per-step volatility 1e-3 (no drift): a year of minute steps stays within a realistic
    price range.
    """
    rng = np.random.default_rng(seed)
    drift, volatility = 0.0, 1e-3
    shocks = rng.standard_normal((n_steps - 1, n_assets))
    log_returns = (drift - 0.5 * volatility**2) + volatility * shocks
    log_prices = np.vstack([np.zeros((1, n_assets)), np.cumsum(log_returns, axis=0)])
    return jnp.asarray(100.0 * np.exp(log_prices), dtype=dtype)
