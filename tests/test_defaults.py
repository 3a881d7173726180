"""Each default and limit is written once: the command line's options, the API's request
schemas, the experiment models and the library's signatures all agree."""

from __future__ import annotations

import inspect

import pytest
import typer

import descentlab as dl
from descentlab import defaults, experiments
from descentlab.app import create_app
from descentlab.cli import app as cli_app


def cli_defaults(command: str) -> dict[str, object]:
    group = typer.main.get_command(cli_app)
    return {p.name: p.default for p in group.commands[command].params}


def signature(function) -> dict[str, object]:
    return {n: p.default for n, p in inspect.signature(function).parameters.items()}


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    return create_app().openapi()["components"]["schemas"]


EXPECTED = {
    "steps": defaults.STEPS,
    "noise": defaults.NOISE,
    "seed": defaults.SEED,
    "tol": defaults.TOL,
    "view": defaults.VIEW,
    "fps": defaults.FPS,
}


def test_the_values_are_the_documented_ones():
    assert (defaults.STEPS, defaults.NOISE, defaults.SEED, defaults.TOL) == (100, 0.0, 0, 1e-3)
    assert (defaults.FPS, defaults.MAX_FPS, defaults.VIEW) == (20, 60, "contour")
    assert defaults.STARTS_PER_AXIS == 20


def test_race_defaults_agree():
    library = signature(dl.run)
    cli = cli_defaults("race")
    model = {n: f.default for n, f in experiments.RaceExperiment.model_fields.items()}
    files = experiments.read({"kind": "race", "landscape": "beale", "optimizers": "sgd"})
    for name in ("steps", "noise", "seed"):
        assert library[name] == cli[name] == model[name] == getattr(files, name), name
        assert model[name] == EXPECTED[name], name
    for name in ("view", "fps"):
        assert cli[name] == model[name] == getattr(files, name) == EXPECTED[name], name


def test_sweep_defaults_agree():
    library = signature(dl.sweep)
    cli = cli_defaults("sweep")
    model = {n: f.default for n, f in experiments.SweepExperiment.model_fields.items()}
    files = experiments.read({"kind": "sweep", "landscape": "beale", "optimizers": "sgd"})
    for name in ("steps", "tol", "noise", "seed"):
        assert library[name] == cli[name] == model[name] == getattr(files, name), name
        assert model[name] == EXPECTED[name], name
    assert library["starts"] is cli["starts"] is model["starts"] is files.starts is None
    assert signature(dl.engine.Race.summary)["tol"] == defaults.TOL


def test_starts_per_axis_is_the_library_default():
    beale = dl.landscapes.get("beale")
    job = dl.sweep(beale, "sgd(lr=1e-3)", steps=1)
    expected = dl.engine.grid_starts(beale, defaults.STARTS_PER_AXIS)
    assert len(job.starts) == len(expected) == defaults.STARTS_PER_AXIS**2
    group = typer.main.get_command(cli_app)
    help_text = next(p.help for p in group.commands["sweep"].params if p.name == "starts")
    assert f"(default {defaults.STARTS_PER_AXIS})" in help_text


def test_train_seed_agrees():
    model = experiments.TrainingExperiment.model_fields
    assert cli_defaults("train")["seed"] == model["seed"].default == defaults.SEED
    for name in ("epochs", "batch_size", "scheduler", "checkpoint"):
        assert cli_defaults("train")[name] is model[name].default is None, name
    assert signature(dl.fit)["seed"] == defaults.SEED


def test_animation_defaults_and_fps_limit_agree(schemas):
    animate = signature(dl.viz.animate)
    animation = signature(dl.viz.Animation)
    assert animate["view"] == animation["view"] == EXPECTED["view"]
    assert animation["fps"] == EXPECTED["fps"]
    export = schemas["ExportRequest"]["properties"]
    assert export["fps"]["default"] == EXPECTED["fps"]
    assert export["fps"]["maximum"] == defaults.MAX_FPS
    assert export["view"]["default"] == EXPECTED["view"]
    model_view = experiments.RaceExperiment.model_json_schema()["properties"]["view"]
    assert set(export["view"]["enum"]) == set(defaults.VIEWS) == set(model_view["enum"])
    model = experiments.RaceExperiment.model_json_schema()["properties"]["fps"]
    assert model["maximum"] == defaults.MAX_FPS and model["minimum"] == 1


def test_api_defaults_agree(schemas):
    race = schemas["RaceRequest"]["properties"]
    sweep = schemas["SweepRequest"]["properties"]
    assert race["steps"]["default"] == sweep["steps"]["default"] == EXPECTED["steps"]
    assert race["noise"]["default"] == EXPECTED["noise"] and race["seed"]["default"] == 0
    assert sweep["tol"]["default"] == EXPECTED["tol"]
    assert sweep["starts"]["default"] == defaults.STARTS_PER_AXIS
    # a request body is the experiment's field, narrowed: same help, tighter bounds
    model = experiments.RaceExperiment.model_json_schema()["properties"]
    for name in ("landscape", "steps", "noise", "seed", "starts"):
        assert race[name]["description"] == model[name]["description"], name
    assert race["steps"]["minimum"] == model["steps"]["minimum"] == 1
    assert race["steps"]["maximum"] == 1000 and "maximum" not in model["steps"]


def test_the_limits_are_enforced_everywhere():
    from descentlab.errors import SettingError

    race = {"kind": "race", "landscape": "beale", "optimizers": ["sgd"]}
    over = defaults.MAX_FPS + 1
    with pytest.raises(SettingError, match=f"fps must be <= {defaults.MAX_FPS}, got {over}"):
        experiments.read({**race, "fps": over})
    assert experiments.read({**race, "fps": defaults.MAX_FPS}).fps == defaults.MAX_FPS
    result = dl.run("beale", "sgd(lr=1e-3)", steps=2)
    with pytest.raises(ValueError, match=f"\\[1, {defaults.MAX_FPS}\\]"):
        dl.viz.Animation(result, fps=over)


@pytest.mark.parametrize(
    ("command", "model"),
    [("race", experiments.RaceExperiment), ("sweep", experiments.SweepExperiment),
     ("train", experiments.TrainingExperiment)],
)  # fmt: skip
def test_the_command_line_help_is_the_models(command, model):
    group = typer.main.get_command(cli_app)
    options = {p.name: p for p in group.commands[command].params}
    typed_otherwise = {"optimizers", "grid"}  # one --optimizer or --grid name=values per use
    shared = [
        name for name in model.model_fields if name in options and name not in typed_otherwise
    ]
    assert len(shared) >= 4, shared
    for name in shared:
        assert options[name].help == model.model_fields[name].description, name
