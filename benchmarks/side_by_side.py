"""Benchmark quantamm_eqx against the reference simulator, quantammsim, side by side.

Both libraries run the same scenario: seeded geometric Brownian motion minute prices for
`N` assets (30 burn-in days, then the bout), the same rule parameters (quantammsim's
`log_k = 4.32`, `logit_lamb = 4`), the same settings (chunk 60, maximum change 3e-4,
minimum weight 0.1 / N, memory cap 30 days, float64) and the same objective (daily
log-Sharpe of the bout), built from quantammsim's names with
`quantamm_eqx.compat.from_quantammsim` (both sides read them from
`benchmarks/_scenario.py`). For each case and round, one fresh process per
library times the compile-and-first-call and the best of `--runs` calls of the forward and
the value-and-grad, and reads its peak resident memory; the rounds alternate the two
libraries, and the report gives each ratio (quantamm_eqx / quantammsim, lower is better)
per round and its median. This machine's timings vary between runs: compare ratios.

quantammsim is not a dependency. Give an environment that has it:
`--reference-python` (its interpreter) and `--reference-src` (a checkout of
github.com/QuantAMMProtocol/quantammsim); both default to `$QE_REF/venv/bin/python` and
`$QE_REF/src`, `QE_REF` defaulting to `~/.cache/quantamm-reference`.

Usage (from the repository root): `python -m benchmarks.side_by_side [--cases
momentum:90:0,momentum:30:0.003] [--rounds 3] [--runs 5]`. Writes `side_by_side.json` and
`side_by_side.md` (default `benchmarks/results/`), atomically.
"""

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _harness as harness
from . import _scenario

METRICS = ("fwd_s", "grad_s", "fwd_first_s", "grad_first_s", "peak_rss_mb")
DEFAULT_CASES = "momentum:90:0,momentum:30:0.003,momentum:90:0.003"


def scenario(rule: str, days: int, n_assets: int, fees: float):
    """`(pool, config, prices, start_index, bout_length)`: the reference side's scenario
    (`benchmarks/_scenario.py`), built through `quantamm_eqx.compat`."""
    import jax.numpy as jnp

    import quantamm_eqx as qe

    pool, config = qe.compat.from_quantammsim(
        rule, _scenario.parameters(n_assets), _scenario.settings(rule, days, n_assets, fees)
    )
    prices = jnp.asarray(_scenario.prices(days, n_assets))
    day = _scenario.MINUTES_PER_DAY
    return pool, config, prices, _scenario.BURN_IN_DAYS * day, days * day


def child(rule: str, days: int, n_assets: int, fees: float, repeats: int) -> dict[str, Any]:
    """In this process: time quantamm_eqx on the scenario, as the reference side does."""
    import equinox as eqx
    import jax

    jax.config.update("jax_enable_x64", True)
    import quantamm_eqx as qe

    pool, config, prices, start, bout_length = scenario(rule, days, n_assets, fees)

    def objective(pool):
        result = qe.simulate(pool, prices, config, start_index=start, bout_length=bout_length)
        return qe.metrics.daily_log_sharpe(result)

    out: dict[str, Any] = {"rule": rule, "days": days, "n_assets": n_assets, "fees": fees}
    forward = eqx.filter_jit(objective)
    value_and_grad = eqx.filter_jit(eqx.filter_value_and_grad(objective))
    return out | _scenario.time_both(forward, value_and_grad, pool, repeats)


def _json_line(command: list[str], env: dict[str, str] | None, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def reference_paths(args: Any) -> tuple[Path, Path]:
    """The reference's interpreter and checkout, or a `SystemExit` saying how to get them."""
    root = Path(os.environ.get("QE_REF", Path.home() / ".cache" / "quantamm-reference"))
    python = Path(args.reference_python or root / "venv" / "bin" / "python")
    source = Path(args.reference_src or root / "src")
    if not python.exists() or not (source / "quantammsim").is_dir():
        raise SystemExit(
            f"No quantammsim environment at {python} with a checkout at {source}: make a "
            "virtualenv with quantammsim's requirements and a checkout of "
            "github.com/QuantAMMProtocol/quantammsim, and pass --reference-python and "
            "--reference-src (or set QE_REF to a folder holding venv/ and src/)."
        )
    return python, source


def main(argv: Sequence[str] | None = None) -> int:
    """Alternate the two libraries' processes over every case and round; report ratios."""
    parser = harness.parser(
        "benchmarks.side_by_side",
        "quantamm_eqx and quantammsim on the same scenario.",
        quick="bouts of at most 10 days, one round",
    )
    parser.add_argument("--cases", default=DEFAULT_CASES, help="RULE:DAYS:FEES, comma-separated")
    parser.add_argument("--assets", type=int, default=3, help="assets in every case")
    parser.add_argument("--rounds", type=int, default=3, help="process pairs per case")
    parser.add_argument("--reference-python", default=None, help="quantammsim's interpreter")
    parser.add_argument("--reference-src", default=None, help="a quantammsim checkout")
    parser.add_argument("--child", nargs=5, default=None, help="internal: one quantamm_eqx run")
    args = parser.parse_args(argv)
    if args.child is not None:
        rule, days, n_assets, fees, repeats = args.child
        print(json.dumps(child(rule, int(days), int(n_assets), float(fees), int(repeats))))
        return 0
    python, source = reference_paths(args)
    runs = harness.runs_from(args)
    rounds = 1 if args.quick else args.rounds
    machine, date = harness.machine_info(np.float64), harness.now()
    print(f"Machine: {harness.describe_machine(machine)}", flush=True)
    reference_env = dict(os.environ, PYTHONPATH=str(source))
    side = str(Path(__file__).with_name("_reference_side.py"))
    rows = []
    for case in harness.comma_list(args.cases):
        rule, days, fees = case.split(":")
        if args.quick:
            days = str(min(int(days), 10))
        options = [rule, days, str(args.assets), fees, str(runs)]
        pairs = []
        for round_number in range(rounds):
            reference = _json_line([str(python), side, *options], reference_env, source)
            ours = _json_line(
                [sys.executable, "-m", "benchmarks.side_by_side", "--child", *options],
                None,
                harness.REPO_ROOT,
            )
            pairs.append({"quantammsim": reference, "quantamm_eqx": ours})
            ratios = ", ".join(f"{m} {ours[m] / reference[m]:.2f}x" for m in METRICS[:2])
            print(f"{case} round {round_number + 1}: {ratios}", flush=True)
        medians = {
            metric: statistics.median(
                p["quantamm_eqx"][metric] / p["quantammsim"][metric] for p in pairs
            )
            for metric in METRICS
        }
        rows.append({"case": case, "rounds": pairs, "median_ratio": medians})
    lines = [
        "# quantamm_eqx against quantammsim",
        "",
        harness.header_lines(machine, date).rstrip("\n"),
        f"- {args.assets} assets, chunk 60, float64, daily log-Sharpe; best of {runs} calls "
        f"per process, median over {rounds} alternating process pairs; ratio = quantamm_eqx / "
        "quantammsim (lower is better).",
        "",
        "| case (rule:days:fees) | forward | value-and-grad | compile+1st fwd | "
        "compile+1st v&g | peak RSS | quantammsim fwd / v&g (ms) | quantamm_eqx fwd / v&g (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row["median_ratio"]

        def ms(library: str, metric: str, row: dict = row) -> float:
            return 1e3 * statistics.median(p[library][metric] for p in row["rounds"])

        lines.append(
            f"| {row['case']} | "
            + " | ".join(f"{ratio[metric]:.2f}x" for metric in METRICS)
            + f" | {ms('quantammsim', 'fwd_s'):.1f} / {ms('quantammsim', 'grad_s'):.1f}"
            f" | {ms('quantamm_eqx', 'fwd_s'):.1f} / {ms('quantamm_eqx', 'grad_s'):.1f} |"
        )
    document = {
        "benchmark": "quantamm_eqx against quantammsim, side by side",
        "machine": machine,
        "date": date,
        "settings": {k: str(v) for k, v in vars(args).items() if k != "child"},
        "rows": rows,
    }
    harness.write_results(args.out, "side_by_side", document, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
