"""Loading the reference parity vectors in `tests/data/golden/` (layout: their README.md)."""

import dataclasses
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

    def pool_and_config(self):
        """The scenario's pool and configuration, built as a quantammsim user would."""
        from quantamm_eqx.compat import from_quantammsim

        return from_quantammsim(self.settings["rule"], self.params, self.settings)

    @property
    def has_fees(self) -> bool:
        return any(self.settings[key] > 0 for key in ("fees", "gas_cost", "arb_fees"))


def load_scenario(path: pathlib.Path) -> Scenario:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    settings = json.loads(str(arrays.pop("settings")))
    prices = arrays.pop("prices")
    start_index = int(arrays.pop("start_index"))
    params = {k.removeprefix("param_"): v for k, v in arrays.items() if k.startswith("param_")}
    expected = {k: v for k, v in arrays.items() if not k.startswith("param_")}
    return Scenario(path.stem, settings, prices, start_index, params, expected)
