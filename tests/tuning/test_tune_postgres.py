"""A study in a real PostgreSQL database, shared by worker processes and by a second
command joining it as another machine would: the same trials, the same numbers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

import descentlab as dl

KEY = ["optimizer", "phase", "trial"]


def ordered(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.sort_values(KEY).reset_index(drop=True)


def test_two_workers_share_a_postgres_study(postgres_database, tmp_path):
    alone = dl.tune("airfoil", ["sgd", "adam"], budget=4, seeds=2, folder=tmp_path / "journal")
    shared = dl.tune("airfoil", ["sgd", "adam"], budget=4, seeds=2, workers=2,
                     storage=postgres_database, folder=tmp_path / "pg")  # fmt: skip
    a, b = ordered(alone.trials), ordered(shared.trials)
    assert a[[*KEY, "hp_lr", "state"]].equals(b[[*KEY, "hp_lr", "state"]])
    np.testing.assert_array_equal(a.metric.to_numpy(), b.metric.to_numpy())
    assert shared.options["storage"] == postgres_database  # no password to hide here


def test_a_plain_postgresql_address_works(postgres_database, tmp_path):
    plain = postgres_database.replace("postgresql+psycopg2://", "postgresql://", 1)
    assert plain.startswith("postgresql://")
    tuned = dl.tune("airfoil", ["sgd"], budget=2, seeds=1, storage=plain, folder=tmp_path)
    assert len(tuned.trials) == 3 and tuned.options["storage"] == plain


def test_a_password_is_never_shown(tmp_path):
    from descentlab.tuning.storage import shown

    place = shown("postgresql://tuner:s3cret@db.example:5432/studies", tmp_path)
    assert place == "postgresql://tuner:***@db.example:5432/studies"


def test_a_second_machine_joins_with_the_same_command(postgres_database, tmp_path):
    command = [sys.executable, "-m", "descentlab", "tune", "airfoil", "-o", "sgd", "-o", "adam",
               "--budget", "6", "--seeds", "2", "--storage", postgres_database,
               "--study", "shared"]  # fmt: skip
    machines = [
        subprocess.Popen([*command, "--out", str(tmp_path / f"machine{n}")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in (1, 2)
    ]  # fmt: skip
    outputs = [machine.communicate(timeout=300) for machine in machines]
    for machine, (_, err) in zip(machines, outputs, strict=True):
        assert machine.returncode == 0, err
    first, second = (pd.read_csv(tmp_path / f"machine{n}" / "trials.csv") for n in (1, 2))
    assert len(first) == len(second) == 2 * (6 + 2)
    pd.testing.assert_frame_equal(ordered(first), ordered(second))
    # no trial ran twice: each planned setting appears once per optimizer and phase
    search = first[first.phase == "search"]
    assert not search.duplicated(["optimizer", "hp_lr"]).any()
