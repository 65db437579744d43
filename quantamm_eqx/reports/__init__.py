"""Reports of a simulation: a summary table, a results file and plots.

A [`RunRecord`][quantamm_eqx.reports.RunRecord] holds what a run produced (time stamps,
prices, weights, reserves, the pool's value, two benchmark values, the return's
attribution and any comparison values, such as the untrained pool's) and its metadata;
[`save_run`][quantamm_eqx.reports.save_run] writes it as an `.npz` file of arrays plus a
`.json` file of metadata, [`load_run`][quantamm_eqx.reports.load_run] reads it back, and
[`plot_weights`][quantamm_eqx.reports.plot_weights],
[`plot_values`][quantamm_eqx.reports.plot_values] and
[`plot_attribution`][quantamm_eqx.reports.plot_attribution] draw it, and
[`plot_training`][quantamm_eqx.reports.plot_training] draws a training run's objectives
per step and [`plot_walk_forward`][quantamm_eqx.reports.plot_walk_forward] a walk-forward
evaluation (PNG, with `matplotlib`, from the `plot` extra; each legend sits below its plot,
never on the data). Files are written atomically: complete or absent, even after Ctrl-C.
"""

from ._plots import plot_attribution as plot_attribution
from ._plots import plot_values as plot_values
from ._plots import plot_weights as plot_weights
from ._run_files import load_run as load_run
from ._run_files import save_run as save_run
from ._runs import ATTRIBUTION_PARTS as ATTRIBUTION_PARTS
from ._runs import RunRecord as RunRecord
from ._runs import attribution_table as attribution_table
from ._runs import record_run as record_run
from ._summary import SUMMARY_COLUMNS as SUMMARY_COLUMNS
from ._summary import format_summary as format_summary
from ._summary import summarise as summarise
from ._training_plot import plot_training as plot_training
from ._walk_forward_plot import plot_walk_forward as plot_walk_forward
