"""Bring pools over from elsewhere: the reference simulator `quantammsim`
([`from_quantammsim`][quantamm_eqx.compat.from_quantammsim]; its training results files with
[`from_quantammsim_results`][quantamm_eqx.compat.from_quantammsim_results]) and the
parameters of a deployed QuantAMM-V1 rule contract
([`pool_from_contract`][quantamm_eqx.compat.pool_from_contract],
[`contract_parameters`][quantamm_eqx.compat.contract_parameters])."""

from ._contract import contract_parameters as contract_parameters
from ._contract import pool_from_contract as pool_from_contract
from ._quantammsim import SETTINGS_KEYS as SETTINGS_KEYS
from ._quantammsim import config_from_settings as config_from_settings
from ._quantammsim import from_quantammsim as from_quantammsim
from ._results import QuantammsimRun as QuantammsimRun
from ._results import from_quantammsim_results as from_quantammsim_results
