"""A command's files are published as one set: interrupted runs never mix with earlier
ones, leftovers of killed runs are cleaned (or finished) by the next, `train` keeps its best
pool when interrupted, and an unwritable output folder is refused before any work."""

import os
import signal
import subprocess
import sys

import pytest

from quantamm_eqx._atomic import atomic_path, stale_temporary_files
from quantamm_eqx.cli import main
from quantamm_eqx.cli._result_set import ResultSet, recover, result_set

SET = ("results.json", "weights.png", "values.png")
TRAIN = ["train", "--end", "2011-01-01", "--steps", "3", "--bout-days", "30"]
TRAIN += ["--burn-in-days", "30", "--no-progress", "--overwrite"]  # over _old_run


def _dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _old_run(folder):
    """An earlier run's files, and one of the user's, in `folder` (replaced with overwrite)."""
    folder.mkdir(exist_ok=True)
    for name in SET:
        (folder / name).write_text("old")
    (folder / "notes.txt").write_text("the user's")


def test_publish_replaces_the_whole_set_and_keeps_other_files(tmp_path):
    _old_run(tmp_path)
    with result_set(tmp_path, SET, overwrite=True) as files:
        (files.stage / "results.json").write_text("new")
        assert (tmp_path / "results.json").read_text() == "old"  # nothing moves before
        assert files.publish() == ["results.json"]
    # The old plots belonged to the old run: they go; the user's file stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "results.json"]
    assert (tmp_path / "results.json").read_text() == "new"


def test_an_interrupted_run_leaves_the_folder_as_it_was(tmp_path):
    _old_run(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        with result_set(tmp_path, SET, overwrite=True) as files:
            (files.stage / "results.json").write_text("new")
            raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*SET, "notes.txt"])
    assert all((tmp_path / name).read_text() == "old" for name in SET)


def test_the_next_run_finishes_a_publish_cut_short_by_a_kill(tmp_path):
    # A run killed after its commit point, with results.json already moved: the staging
    # folder holds the plan and the files not yet moved.
    _old_run(tmp_path)
    files = ResultSet(tmp_path, SET, overwrite=True)
    (files.stage / "results.json").write_text("new")
    (files.stage / "weights.png").write_text("new")
    (files.stage / "COMMITTED").write_text(
        "write results.json\nwrite weights.png\ndelete values.png"
    )
    os.replace(files.stage / "results.json", tmp_path / "results.json")
    recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "results.json",
        "weights.png",
    ]
    assert {(tmp_path / n).read_text() for n in ("results.json", "weights.png")} == {"new"}


def test_the_next_run_cleans_what_a_killed_run_left(tmp_path):
    dead = _dead_pid()
    killed = tmp_path / f".staging-{dead}-abc"  # killed before its commit point
    killed.mkdir()
    (killed / "pool.eqx").write_text("partial")
    running = tmp_path / f".staging-{os.getpid()}-xyz"  # a run still going: left alone
    running.mkdir()
    stale = tmp_path / f".results.npz.pid{dead}-q1.tmp"
    stale.write_text("partial")
    live = tmp_path / f".results.npz.pid{os.getpid()}-q2.tmp"
    live.write_text("being written")
    assert stale_temporary_files(tmp_path) == [stale]
    recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, live.name])


def test_atomic_writes_name_their_process(tmp_path):
    with atomic_path(tmp_path / "pool.eqx") as temporary:
        assert temporary.name.startswith(f".pool.eqx.pid{os.getpid()}-")
        temporary.write_text("done")
    assert (tmp_path / "pool.eqx").read_text() == "done"


def test_ctrl_c_while_publishing_waits_for_the_set(tmp_path):
    _old_run(tmp_path)
    files = ResultSet(tmp_path, SET, overwrite=True)
    for name in SET:
        (files.stage / name).write_text("new")
    real_replace = os.replace

    def replace_then_interrupt(source, target):
        real_replace(source, target)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first file moved

    os.replace = replace_then_interrupt
    try:
        with pytest.raises(KeyboardInterrupt):
            files.publish()
    finally:
        os.replace = real_replace
    assert all((tmp_path / name).read_text() == "new" for name in SET)
    assert not any(p.name.startswith(".staging-") for p in tmp_path.iterdir())


def test_train_interrupted_keeps_its_best_pool_as_a_whole_set(tmp_path, monkeypatch, capsys):
    """Ctrl-C during `fit`: the best pool so far, with its pool.json, replaces the folder's
    earlier run (whose results and plots go: they describe another pool)."""
    import quantamm_eqx
    from quantamm_eqx.cli._pool_files import read_pool_description

    def interrupted_fit(pool, *args, checkpoint, checkpoint_metadata, **kwargs):
        quantamm_eqx.save_pool(checkpoint, pool, metadata=checkpoint_metadata)
        raise KeyboardInterrupt

    monkeypatch.setattr(quantamm_eqx, "fit", interrupted_fit)
    _old_run(tmp_path)
    assert main([*TRAIN, "--output", str(tmp_path)]) == 130
    out, err = capsys.readouterr()
    assert "the best pool so far is in" in out and "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "pool.eqx", "pool.json"]
    described = read_pool_description(tmp_path / "pool.eqx")  # what --checkpoint reads
    assert described["assets"] == ["AAPL", "IBM", "MSFT", "GOOG"]
    assert described["chunk_period"] == 1440 and described["pool"] == "momentum"


def test_an_unwritable_output_is_refused_before_training(tmp_path, monkeypatch, capsys):
    import types

    import quantamm_eqx
    from quantamm_eqx.cli import _result_set

    def no_training(*args, **kwargs):
        raise AssertionError("fit ran although the output folder is not writable")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(quantamm_eqx, "fit", no_training)
    monkeypatch.setattr(_result_set, "tempfile", types.SimpleNamespace(mkdtemp=read_only))
    assert main([*TRAIN, "--output", str(tmp_path)]) == 2
    assert f"--output {tmp_path} is not writable (Permission denied)" in capsys.readouterr().err


def test_train_interrupted_after_training_keeps_the_trained_pool(tmp_path, monkeypatch, capsys):
    """Ctrl-C while the held-out results are computed: the trained pool is kept, and no
    half-made results are published."""
    import types

    import quantamm_eqx

    def trained_fit(pool, *args, checkpoint, checkpoint_metadata, **kwargs):
        quantamm_eqx.save_pool(checkpoint, pool, metadata=checkpoint_metadata)
        return types.SimpleNamespace(pool=pool)

    def interrupted_simulate(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(quantamm_eqx, "fit", trained_fit)
    monkeypatch.setattr(quantamm_eqx, "simulate", interrupted_simulate)
    _old_run(tmp_path)
    assert main([*TRAIN, "--output", str(tmp_path)]) == 130
    assert "the best pool so far is in" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "pool.eqx", "pool.json"]
