"""`quantamm-eqx search` end to end: the table, search.json, the plots, the study, resuming."""

import json

from quantamm_eqx.cli import build_parser, main

PNG = b"\x89PNG\r\n\x1a\n"
#: Twelve days of two stocks: hourly rule updates, the last quarter scores each trial.
TINY = ["search", "--assets", "AAPL,MSFT", "--start", "2012-01-02", "--end", "2012-01-14"]
TINY += ["--memory-days", "1", "--objective", "returns", "--no-progress"]


def test_search_end_to_end_and_resume(tmp_path, capsys):
    assert main([*TINY, "--trials", "3", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Optuna search of a momentum pool on AAPL, MSFT" in out
    assert "trial" in out and "memory_days" in out and "k_per_day" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "optimization_history.png",
        "param_importances.png",
        "search.json",
        "study.db",
    ]
    for name in ("optimization_history.png", "param_importances.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    document = json.loads((tmp_path / "search.json").read_text())
    assert document["command"] == "search"
    assert document["settings"]["trials"] == 3 and document["settings"]["val_fraction"] == 0.25
    assert document["study"]["n_trials"] == 3 and document["study"]["n_complete"] == 3
    assert set(document["best"]["params"]) == {"memory_days", "k_per_day"}
    assert document["best"]["pool"]["pool"] == "momentum"
    assert document["best"]["value"] == document["trials"][0]["value"]
    # The same command on the same folder continues the study.
    assert main([*TINY, "--trials", "2", "--output", str(tmp_path), "--overwrite"]) == 0
    document = json.loads((tmp_path / "search.json").read_text())
    assert document["study"]["n_trials"] == 5


def test_one_trial_draws_no_importances(tmp_path, capsys):
    argv = [*TINY, "--trials", "1", "--per-asset", "--study-name", "one"]
    argv += ["--storage", str(tmp_path / "elsewhere.db"), "--output", str(tmp_path / "run")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "param_importances.png is not drawn" in out and "memory_days[1]" in out
    assert sorted(path.name for path in (tmp_path / "run").iterdir()) == [
        "optimization_history.png",
        "search.json",
    ]
    assert (tmp_path / "elsewhere.db").exists()


def test_a_validation_span_too_short_exits_2(tmp_path, capsys):
    argv = [*TINY, "--trials", "1", "--val-fraction", "0", "--output", str(tmp_path)]
    assert main(argv) == 2
    assert "--val-fraction" in capsys.readouterr().err


def test_parser_defaults():
    args = build_parser().parse_args(["search"])
    assert (args.trials, args.val_fraction, args.refine_steps, args.seed) == (50, 0.25, 0, 0)
    assert (args.storage, args.study_name) == (None, "quantamm-eqx")
    assert args.objective == "daily_log_sharpe"
