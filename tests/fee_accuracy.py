"""The fee path's accuracy on the golden fee scenarios, as tables for the docs.

`python tests/fee_accuracy.py` (from the repository root, about two minutes) prints, per
scenario: quantammsim's stored values and the library's two arbitrage rules against the
extended-precision oracle (`oracle.py`); how far `jit`, `vmap` and the forward pass inside
`value_and_grad` move each rule's values from the eager call; and float32 against float64.
The tables in `docs/concepts/arbitrage.md` and `benchmarks/README.md` come from it.
"""

import dataclasses
import datetime
import platform
import sys
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import equinox as eqx  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from golden import FEE_PATHS, load_scenario, oracle_outputs  # noqa: E402

from quantamm_eqx import simulate  # noqa: E402


def largest_gap(values, target):
    return float(np.max(np.abs(np.asarray(values, np.float64) / target - 1)))


def transformation_gap(pool, prices, config, bout):
    """The largest relative difference from the eager values of `jit`, a 2-member `vmap`
    and the forward pass inside `value_and_grad`."""

    def values(pool):
        return simulate(pool, prices, config, **bout).values

    eager = np.asarray(values(pool))
    jitted = eqx.filter_jit(values)(pool)
    stacked = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), pool)
    batched = eqx.filter_vmap(values)(stacked)[1]
    (_, in_grad), _ = eqx.filter_value_and_grad(
        lambda p: (jnp.log(values(p)[-1]), values(p)), has_aux=True
    )(pool)
    return max(largest_gap(other, eager) for other in (jitted, batched, in_grad))


def main():
    print(f"{platform.machine()}, JAX {jax.__version__}, {datetime.date.today()}\n")
    print(
        "| scenario | assets | fee, gas, arb fees | quantammsim: final value vs oracle "
        "| quantammsim: values, largest gap | quantammsim: reserves, largest gap "
        '| `"reference"`: final value vs oracle | `"exact"`: values, largest gap '
        '| `"exact"`: reserves, largest gap |'
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    precision_rows, determinism_rows = [], []
    for path in FEE_PATHS:
        scenario = load_scenario(path)
        pool, config = scenario.pool_and_config()
        reserves, values = oracle_outputs(path)
        reference_config = dataclasses.replace(config, arbitrage="reference")
        exact = simulate(pool, scenario.prices, config, **scenario.bout)
        reference = simulate(pool, scenario.prices, reference_config, **scenario.bout)
        stored = scenario.expected
        s = scenario.settings
        print(
            f"| {scenario.name} | {s['n_assets']} | {s['fees']}, {s['gas_cost']}, {s['arb_fees']} "
            f"| {stored['values'][-1] / values[-1] - 1:+.3%} "
            f"| {largest_gap(stored['values'], values):.2%} "
            f"| {largest_gap(stored['reserves'], reserves):.1%} "
            f"| {float(reference.values[-1]) / values[-1] - 1:+.3%} "
            f"| {largest_gap(exact.values, values):.1e} "
            f"| {largest_gap(exact.reserves, reserves):.1e} |"
        )
        pool32 = jax.tree_util.tree_map(lambda x: x.astype(np.float32), pool)
        prices32 = scenario.prices.astype(np.float32)
        row = [scenario.name]
        for rule_config in (config, reference_config):
            values32 = simulate(pool32, prices32, rule_config, **scenario.bout).values
            values64 = exact.values if rule_config is config else reference.values
            gaps = np.abs(np.asarray(values32, np.float64) / np.asarray(values64) - 1)
            row += [np.median(gaps), gaps.max()]
        precision_rows.append(row)
        prices = jnp.asarray(scenario.prices)
        determinism_rows.append(
            (
                scenario.name,
                transformation_gap(pool, prices, config, scenario.bout),
                transformation_gap(pool, prices, reference_config, scenario.bout),
            )
        )

    print("\nfloat32 against float64, relative value difference over the bout:\n")
    print(
        '| scenario | `"exact"`: median | `"exact"`: largest '
        '| `"reference"`: median | `"reference"`: largest |'
    )
    print("|---|---:|---:|---:|---:|")
    for name, *gaps in precision_rows:
        print(f"| {name} | " + " | ".join(f"{gap:.1e}" for gap in gaps) + " |")

    print("\njit, vmap and value_and_grad against the eager call, largest relative difference:\n")
    print('| scenario | `"exact"` | `"reference"` |')
    print("|---|---:|---:|")
    for name, exact_gap, reference_gap in determinism_rows:
        print(f"| {name} | {exact_gap:.1e} | {reference_gap:.1e} |")


if __name__ == "__main__":
    main()
