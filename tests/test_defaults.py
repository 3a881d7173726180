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
from descentlab.cli import experiment as cli_experiment


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
    model = {n: f.default for n, f in experiments.RaceSettings.model_fields.items()}
    files = cli_experiment.FIELDS["race"]
    for name in ("steps", "noise", "seed"):
        assert library[name] == cli[name] == model[name] == files[name] == EXPECTED[name], name
    for name in ("view", "fps"):
        assert cli[name] == model[name] == files[name] == EXPECTED[name], name


def test_sweep_defaults_agree():
    library = signature(dl.sweep)
    cli = cli_defaults("sweep")
    model = {n: f.default for n, f in experiments.SweepSettings.model_fields.items()}
    files = cli_experiment.FIELDS["sweep"]
    for name in ("steps", "tol", "noise", "seed"):
        assert library[name] == cli[name] == model[name] == files[name] == EXPECTED[name], name
    assert library["starts"] is cli["starts"] is model["starts"] is files["starts"] is None
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
    assert cli_defaults("train")["seed"] == cli_experiment.FIELDS["train"]["seed"]
    assert experiments.TrainingSettings.model_fields["seed"].default == defaults.SEED
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
    assert set(export["view"]["enum"]) == set(defaults.VIEWS) == set(cli_experiment.VIEWS)
    model = experiments.RaceSettings.model_json_schema()["properties"]["fps"]
    assert model["maximum"] == defaults.MAX_FPS and model["minimum"] == 1


def test_api_defaults_agree(schemas):
    race = schemas["RaceRequest"]["properties"]
    sweep = schemas["SweepRequest"]["properties"]
    assert race["steps"]["default"] == sweep["steps"]["default"] == EXPECTED["steps"]
    assert sweep["tol"]["default"] == EXPECTED["tol"]


def test_the_limits_are_enforced_everywhere():
    from descentlab.cli.errors import UserError

    race = {"kind": "race", "landscape": "beale", "optimizers": ["sgd"], "out": "a.gif"}
    over = defaults.MAX_FPS + 1
    with pytest.raises(UserError, match=f"1 to {defaults.MAX_FPS}"):
        cli_experiment.normalise({**race, "fps": over})
    assert cli_experiment.normalise({**race, "fps": defaults.MAX_FPS})["fps"] == defaults.MAX_FPS
    with pytest.raises(ValueError):
        experiments.RaceSettings(fps=over)
    result = dl.run("beale", "sgd(lr=1e-3)", steps=2)
    with pytest.raises(ValueError, match=f"\\[1, {defaults.MAX_FPS}\\]"):
        dl.viz.Animation(result, fps=over)
