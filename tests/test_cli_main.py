"""The command registry and the options every task-running command shares."""

import subprocess
import sys

import pytest

from badminima.cli.main import COMMAND_MODULES, build_parser, main

COMMANDS = {"theory", "data", "guess-check", "gibbs", "version-space", "sweep", "results", "fit", "plan", "demo"}


def test_every_command_is_registered():
    parser = build_parser()
    registered = set(parser._subparsers._group_actions[0].choices)  # argparse keeps them here
    assert registered == COMMANDS
    assert len(COMMAND_MODULES) == 9


@pytest.mark.parametrize("command", ["sweep", "guess-check", "gibbs", "version-space"])
@pytest.mark.parametrize("workers", ["0", "-2"])
def test_bad_worker_count_is_one_line_and_exit_2(command, workers, capsys):
    config = {"sweep": "digits-mlp", "version-space": "vs-synthetic"}.get(command, "gc-perceptron")
    assert main([command, config, "--workers", workers]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"badminima {command}: error: The '--workers' option must be >= 1. Got {workers} instead."]


def test_missing_config_names_the_file(capsys, tmp_path):
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_module_entry_point_prints_version():
    out = subprocess.run([sys.executable, "-m", "badminima", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("badminima ")


@pytest.mark.parametrize("where", ["unknown format", "unwritable folder"])
def test_unwritable_figure_is_one_line_and_exit_2(tmp_path, capsys, where):
    target = tmp_path / "figure.unknownformat" if where == "unknown format" else "/proc/no-such-dir/figure.png"
    assert main(["theory", "--density", "beta:a=2,b=3", "--n", "1,10", "--plot", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    start = "--plot " if where == "unknown format" else "cannot write the figure "
    assert len(err) == 1 and err[0].startswith(f"badminima theory: error: {start}"), err


def test_figures_are_written_with_their_folders(tmp_path):
    target = tmp_path / "new" / "folder" / "theory.png"
    assert main(["theory", "--density", "beta:a=2,b=3", "--n", "1,10", "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
