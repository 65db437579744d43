"""Loading the reference parity vectors in `tests/data/golden/` (layout: their README.md)."""

import dataclasses
import functools
import json
import pathlib
from typing import Any

import numpy as np

GOLDEN_DIR = pathlib.Path(__file__).parent / "data" / "golden"
SCENARIO_PATHS = sorted(GOLDEN_DIR.glob("*.npz"))
SCENARIO_IDS = [path.stem for path in SCENARIO_PATHS]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One reference scenario: inputs, settings, stored parameters and expected outputs."""

    name: str
    settings: dict[str, Any]
    prices: np.ndarray
    start_index: int
    params: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]

    @property
    def chunk_period(self) -> int:
        return int(self.settings["chunk_period"])

    def pool_and_config(self, weight_clip: str = "reference"):
        """The scenario's pool and configuration, built as a quantammsim user would, with the
        reference's single-pass weight clip (what the stored outputs come from) unless
        `weight_clip` says otherwise (`from_quantammsim` builds the iterative default)."""
        import dataclasses

        from quantamm_eqx.compat import from_quantammsim

        pool, config = from_quantammsim(self.settings["rule"], self.params, self.settings)
        assert config.weight_clip == "iterative"  # what `from_quantammsim` builds
        return pool, dataclasses.replace(config, weight_clip=weight_clip)

    @property
    def has_fees(self) -> bool:
        return any(self.settings[key] > 0 for key in ("fees", "gas_cost", "arb_fees"))

    @property
    def bout(self) -> dict[str, int]:
        """`simulate`'s bout arguments."""
        return {"start_index": self.start_index, "bout_length": int(self.settings["bout_length"])}


def load_scenario(path: pathlib.Path) -> Scenario:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    settings = json.loads(str(arrays.pop("settings")))
    prices = arrays.pop("prices")
    start_index = int(arrays.pop("start_index"))
    params = {k.removeprefix("param_"): v for k, v in arrays.items() if k.startswith("param_")}
    expected = {k: v for k, v in arrays.items() if not k.startswith("param_")}
    return Scenario(path.stem, settings, prices, start_index, params, expected)


_HAS_FEES = {path: load_scenario(path).has_fees for path in SCENARIO_PATHS}
FEE_PATHS = [path for path in SCENARIO_PATHS if _HAS_FEES[path]]
NO_FEE_PATHS = [path for path in SCENARIO_PATHS if not _HAS_FEES[path]]


@functools.cache
def oracle_outputs(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    """The oracle's float64 `(reserves, values)` for a fee scenario (`oracle.py`), computed
    once per test session."""
    from oracle import scenario_oracle

    reserves, values = scenario_oracle(load_scenario(path))
    return reserves.astype(np.float64), values.astype(np.float64)
