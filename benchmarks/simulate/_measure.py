"""One case of the `simulate` benchmark, measured in this process (`--case`)."""

import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .. import _harness as harness
from .._setup import (
    OBJECTIVE_NAME,
    bout,
    bout_prices,
    make_config,
    make_population,
    timed_functions,
)
from ._cases import Case, Row, case_label, varied


def bench_case(case: Case, runs: int, base_days: int) -> Row:
    """Compile and time the forward and the objective's value-and-grad for one case.

    The peak memory so far is sampled after each stage (prices built, forward compiled,
    forward run, value-and-grad compiled, value-and-grad run).
    """
    stages = {"start": harness.max_rss_kib()}
    dtype = jnp.dtype(case.dtype)
    _, bout_length = bout(case.days)
    prices = bout_prices(case.days, case.assets, dtype)
    pool = make_population(case.pool, case.assets, case.population, dtype)
    config = make_config(case.path)
    forward, objective = timed_functions(config, case.days, case.population)
    stages["prices built"] = harness.max_rss_kib()

    compiled_forward, compile_forward_s = harness.compile_timed(forward, pool, prices)
    stages["forward compiled"] = harness.max_rss_kib()
    _, fwd = harness.warm_and_time(lambda: compiled_forward(pool, prices), runs)
    stages["forward run"] = harness.max_rss_kib()

    compiled_grad, compile_grad_s = harness.compile_timed(
        eqx.filter_value_and_grad(objective), pool, prices
    )
    stages["value-and-grad compiled"] = harness.max_rss_kib()
    (value, _), grad = harness.warm_and_time(lambda: compiled_grad(pool, prices), runs)
    stages["value-and-grad run"] = harness.max_rss_kib()

    return Row(
        case=case.spec(),
        pool=case.pool,
        path=case.path,
        days=case.days,
        n_assets=case.assets,
        population=case.population,
        dtype=case.dtype,
        vary=varied(case, base_days),
        label=case_label(case, base_days),
        bout_length=bout_length,
        minutes=bout_length - 1,
        fees=config.fees,
        objective_name=OBJECTIVE_NAME,
        compile_forward_s=compile_forward_s,
        compile_grad_s=compile_grad_s,
        forward_warmup_s=fwd["warmup_s"],
        forward_median_s=fwd["median_s"],
        forward_min_s=fwd["min_s"],
        forward_runs=fwd["runs"],
        grad_warmup_s=grad["warmup_s"],
        grad_median_s=grad["median_s"],
        grad_min_s=grad["min_s"],
        grad_runs=grad["runs"],
        objective=float(value),
        peak_rss_kib=harness.max_rss_kib(),
        rss_stages_kib=stages,
        machine=harness.machine_info(dtype),
        date=harness.now(),
    )


def baseline_case() -> dict[str, Any]:
    """Peak RSS of a process that imported jax and quantamm_eqx and ran a tiny computation."""
    x = jnp.arange(3.0, dtype=jnp.float64)
    jax.block_until_ready(jax.jit(lambda x: jnp.sum(jnp.exp(x)))(x))
    return {"case": "baseline", "peak_rss_kib": harness.max_rss_kib()}


def run_case(case: Case | None, runs: int, base_days: int, json_out: Path) -> int:
    """Measure one case (None: the baseline) in this process; write its JSON to `json_out`.

    float64 unless the case is float32, chosen here and never at import: a float32 case runs
    with `jax_enable_x64` off, as a float32 user would.
    """
    jax.config.update("jax_enable_x64", case is None or case.dtype == "float64")
    result = baseline_case() if case is None else dict(bench_case(case, runs, base_days))
    harness.write_json(json_out, result)
    return 0


def in_subprocess(spec: str, runs: int, quick: bool, workdir: Path) -> dict[str, Any]:
    """Measure `--case spec` in a fresh Python process; return its JSON.

    Raises `subprocess.CalledProcessError` if the process fails.
    """
    json_out = workdir / "case.json"
    json_out.unlink(missing_ok=True)
    args = ["--case", spec, "--json-out", str(json_out), "--runs", str(runs)]
    if quick:
        args.append("--quick")
    harness.run_module("benchmarks.simulate", args)
    return json.loads(json_out.read_text(encoding="utf-8"))
