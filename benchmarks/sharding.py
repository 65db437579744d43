"""Benchmark population training sharded over devices: throughput against device count.

For each device count `d` (default 1, 2, 4) a fresh Python process is started with
`XLA_FLAGS=--xla_force_host_platform_device_count=d` (on CPU; on an accelerator host the
real devices are used, up to `d`), and `quantamm_eqx.fit` trains a population of
`--population` momentum pools (default 32) over a mesh of those devices. Each process runs
`fit` for `--steps` and for `4 * --steps` optimisation steps (chunks of 20 steps): the
difference of the two wall times divided by the difference of steps is the time per step
without compilation. It reports the median over `--repeats` of that time, and the
throughput in member-steps per second. Run it on an otherwise idle machine: compilation
time that varies between the two runs shows up in the difference.

Results go to `<out>/sharding.json` and `<out>/sharding.md` (default
`benchmarks/results/`), written atomically.

Usage (from the repository root): `python benchmarks/sharding.py [--devices 1,2,4]`.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "results"

CHILD = r"""
import json, sys, time
import jax
import numpy as np
from jax.sharding import Mesh

jax.config.update("jax_enable_x64", True)
sys.path.insert(0, {root!r})
from quantamm_eqx import MomentumPool, SimulationConfig, fit

devices, population, steps, repeats = {devices}, {population}, {steps}, {repeats}
rng = np.random.default_rng(0)
prices = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, (20 * 1440, 3)), axis=0))
config = SimulationConfig(chunk_period=60, weight_interpolation_period=60)
members = [MomentumPool.from_memory_days(3, memory_days=d, chunk_period=60)
           for d in np.linspace(0.5, 5.0, population)]
pool = jax.tree_util.tree_map(lambda *leaves: jax.numpy.stack(leaves), *members)
mesh = Mesh(np.array(jax.devices()[:devices]), ("population",))

def run(n_steps):
    start = time.perf_counter()
    fit(pool, prices, config, bout_length=14 * 1440, steps=n_steps, key=jax.random.key(0),
        batch_size=4, steps_per_chunk=20, progress=False, objective="returns", mesh=mesh)
    return time.perf_counter() - start

per_step = []
for _ in range(repeats):
    short, long = run(steps), run(4 * steps)
    per_step.append((long - short) / (3 * steps))
print(json.dumps({{"devices": devices, "per_step_s": per_step,
                  "backend": jax.default_backend()}}))
"""


def _measure(devices: int, population: int, steps: int, repeats: int) -> dict:
    environment = dict(os.environ)
    environment["XLA_FLAGS"] = (
        environment.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={devices}"
    )
    code = CHILD.format(
        root=str(Path(__file__).resolve().parents[1]),
        devices=devices,
        population=population,
        steps=steps,
        repeats=repeats,
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"the {devices}-device run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as file:
        file.write(text)
    os.replace(file.name, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="1,2,4", help="device counts, comma-separated")
    parser.add_argument(
        "--population", type=int, default=32, help="members (a multiple of each count)"
    )
    parser.add_argument("--steps", type=int, default=40, help="steps of the shorter run")
    parser.add_argument("--repeats", type=int, default=3, help="repeats for the median")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    counts = [int(count) for count in args.devices.split(",")]
    rows = []
    for count in counts:
        measured = _measure(count, args.population, args.steps, args.repeats)
        median = statistics.median(measured["per_step_s"])
        rows.append(
            {
                "devices": count,
                "backend": measured["backend"],
                "median_step_ms": 1e3 * median,
                "member_steps_per_s": args.population / median,
                "per_step_s": measured["per_step_s"],
            }
        )
        print(f"{count} device(s): {1e3 * median:.1f} ms per step", flush=True)
    base = rows[0]["member_steps_per_s"]
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.platform()}"
    date = datetime.date.today().isoformat()
    lines = [
        f"Population training throughput ({args.population} momentum pools, 3 assets, "
        f"14-day bouts, chunk 60, batch 4, float64); {machine}; {date}.",
        "",
        "| devices | median time per step (ms) | member-steps per second | speed-up |",
        "|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['devices']} | {row['median_step_ms']:.1f} | "
            f"{row['member_steps_per_s']:.1f} | {row['member_steps_per_s'] / base:.2f} |"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine, "date": date, "settings": vars(args) | {"out": str(args.out)}}
    _write_atomically(args.out / "sharding.json", json.dumps(document | {"rows": rows}, indent=2))
    _write_atomically(args.out / "sharding.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
