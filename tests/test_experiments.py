"""The experiment models: one reading of a race, a sweep and a training comparison,
whose refusals name the setting (and the file) they are about."""

from __future__ import annotations

import json
import pickle

import pytest

from descentlab import experiments
from descentlab.app import schemas
from descentlab.errors import HyperparameterError, SettingError, StartError

RACE = {"kind": "race", "landscape": "beale", "optimizers": ["adam"]}


@pytest.mark.parametrize(
    ("data", "setting", "reason"),
    [
        ({**RACE, "fps": 61}, "fps", "fps must be <= 60, got 61"),
        ({**RACE, "steps": 0}, "steps", "steps must be >= 1, got 0"),
        ({**RACE, "steps": 2.5}, "steps", "steps must be a whole number, got 2.5"),
        ({**RACE, "seed": True}, "seed", "seed must be a whole number, got True"),
        ({**RACE, "noise": float("nan")}, "noise", "noise must be a finite number, got nan"),
        ({**RACE, "starts": [[1, "a"]]}, "starts[0][1]", "starts[0][1] must be a number, got 'a'"),
        ({**RACE, "starts": []}, "starts", "starts must hold at least 1, got []"),
        ({**RACE, "dtype": "float16"}, "dtype",
         "dtype must be one of 'float32' or 'float64', got 'float16'"),
        ({**RACE, "step": 3}, "step", "a race has no setting 'step' (did you mean 'steps'?)"),
        ({"kind": "race", "landscape": "beale"}, "optimizers", "a race needs 'optimizers'"),
        ({"kind": "racing"}, "kind",
         "kind must be one of race, sweep, train, ema, tune, got 'racing'"),
        ({"kind": "sweep", "landscape": "beale", "optimizers": "sgd", "grid": {"lr": "1:2"}},
         "grid.lr", "malformed grid 'lr=1:2'"),
        ({"kind": "sweep", "landscape": "beale", "optimizers": "sgd", "grid": {"lr": 3}},
         "grid.lr", "grid.lr must be a range such as '1e-3:1:30:log'"),
        ({"kind": "train", "task": "airfoil", "optimizers": "sgd", "resume": True}, "resume",
         "resume needs the checkpoint folder"),
        ({"kind": "ema", "betas": [0.9, 1.0]}, "betas[1]", "betas[1] must be < 1, got 1.0"),
    ],
)  # fmt: skip
def test_a_refused_setting_is_named(data, setting, reason):
    with pytest.raises(SettingError) as caught:
        experiments.read(data, file="plan.toml")
    error = caught.value
    assert error.setting == setting and error.file == "plan.toml"
    assert error.reason.startswith(reason), error.reason
    assert str(error) == f"plan.toml: {error.reason}" and "\n" not in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert (again.setting, again.reason, again.file) == (setting, error.reason, "plan.toml")


def test_defaults_fill_what_is_left_out_and_one_spec_is_a_list():
    race = experiments.read({"kind": "race", "landscape": "beale", "optimizers": "adam"})
    assert race.optimizers == ["adam"] and race.starts is None
    assert (race.steps, race.noise, race.seed, race.fps, race.view) == (100, 0.0, 0, 20, "contour")
    with pytest.raises(ValueError):
        race.steps = 5  # an experiment is a value: it does not change under a running job


def test_a_model_round_trips_through_json():
    sweep = experiments.read(
        {"kind": "sweep", "landscape": "himmelblau", "optimizers": ["sgd", "adam(lr=0.1)"],
         "grid": {"lr": "1e-3:1:4:log", "momentum": [0.0, 0.9]}, "starts": 6}
    )  # fmt: skip
    again = experiments.read(json.loads(json.dumps(sweep.model_dump(mode="json"))))
    assert again == sweep
    assert again.grid_values()["lr"] == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    assert again.grid_values()["momentum"] == [0.0, 0.9]


def test_the_library_checks_what_the_model_cannot():
    bad_lr = experiments.read({**RACE, "optimizers": ["sgd", "adam(lr=-1)"]})
    with pytest.raises(HyperparameterError) as caught:
        experiments.check(bad_lr)
    assert (caught.value.optimizer, caught.value.hyperparameter) == ("Adam", "lr")
    wrong_size = experiments.read({**RACE, "starts": [[1.0, 1.0], [0.5]]})
    with pytest.raises(StartError) as start:
        experiments.check(wrong_size)
    assert start.value.start == 1 and str(start.value).startswith("start 1: (0.5,) has 1 ")
    task = experiments.read({"kind": "train", "task": "airfoyl", "optimizers": "sgd"})
    with pytest.raises(SettingError, match=r"unknown task 'airfoyl' \(did you mean 'airfoil'"):
        experiments.check(task)
    experiments.check(experiments.read(RACE))  # a good one passes


def test_the_request_bodies_are_the_models_narrowed():
    race = schemas.RaceRequest(landscape="beale", optimizers=["adam"])
    model = experiments.read(RACE)
    for name in schemas.RaceRequest.model_fields:
        assert getattr(race, name) == getattr(model, name), name
    # wider than the server allows: the model takes it, the request does not
    experiments.read({**RACE, "steps": 5000})
    with pytest.raises(ValueError, match="less than or equal to 1000"):
        schemas.RaceRequest(landscape="beale", optimizers=["adam"], steps=5000)
    sweep = schemas.SweepRequest(landscape="beale", optimizers=["adam"], grid={"lr": [0.1]})
    assert sweep.starts == 20 and sweep.steps == 100 and sweep.tol == 1e-3
