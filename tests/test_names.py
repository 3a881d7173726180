"""Name lookups: close matches and the one-line refusal."""

from __future__ import annotations

import subprocess
import sys

import pytest

from descentlab import names
from descentlab.optim import registry


@pytest.mark.parametrize(
    ("name", "choices", "expected"),
    [
        (
            "adamm",
            ["adam", "adamw", "adamax", "sgd"],
            " (did you mean 'adam' or 'adamw' or 'adamax'?)",
        ),
        ("bael", ["beale", "booth"], " (did you mean 'beale'?)"),
        ("zzz", ["adam", "sgd"], ""),
        ("Adma", ["Adam", "Adamax"], " (did you mean 'Adam' or 'Adamax'?)"),
        ("x", [], ""),
    ],
)
def test_suggest_names_the_closest_choices(name, choices, expected):
    assert names.suggest(name, choices) == expected


def test_the_registry_refuses_with_the_same_line():
    choices = registry.available()
    for name in ["adamm", "rmsprp", "nestrov", "lino", "sdg", "adagard"]:
        with pytest.raises(ValueError) as caught:
            registry.info(name)
        assert str(caught.value) == names.unknown("optimizer", name, choices)


def test_unknown_builds_the_whole_line():
    line = names.unknown("task", "airfoyl", ["airfoil", "digits"])
    assert line == "unknown task 'airfoyl' (did you mean 'airfoil'?); available: airfoil, digits"


def test_unknown_matches_the_key_and_appends_a_hint():
    line = names.unknown("landscape", "BEAL", ["beale"], key="beal", hint="; or an expression")
    assert (
        line
        == "unknown landscape 'BEAL' (did you mean 'beale'?); available: beale; or an expression"
    )


def test_unknown_with_an_owner():
    line = names.unknown("setting", "step", ["steps", "seed"], owner="a race", listed="settings")
    assert line == "a race has no setting 'step' (did you mean 'steps'?); settings: steps, seed"


def test_unknown_without_close_matches():
    assert names.unknown("task", 3, ["airfoil"]) == "unknown task 3; available: airfoil"


def test_names_imports_nothing_of_the_package():
    code = (
        "import descentlab.names, sys; print(sorted(m for m in sys.modules if 'descentlab' in m))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['descentlab', 'descentlab.names']"
