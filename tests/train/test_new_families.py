"""Training runs each new family as it must run: Schedule-Free's curve is measured at its
averaged weights, L-BFGS gets its closure, Muon trains a whole model with AdamW."""

from __future__ import annotations

import pytest
import torch

import descentlab as dl
from descentlab import optim
from descentlab.train import Task
from descentlab.train.checkpoint import checkpoint_path

MEASURED = ["examples", "train_loss"]


@pytest.fixture(scope="module")
def airfoil() -> Task:
    return dl.tasks.airfoil()


def test_schedule_free_is_measured_at_its_averaged_weights(airfoil, tmp_path):
    spec = "adamw_schedulefree(lr=0.01)"
    run = dl.fit(airfoil, spec, epochs=1, batch_size=10, checkpoint_dir=tmp_path)
    saved = torch.load(checkpoint_path(tmp_path, "airfoil", spec, 0), weights_only=False)
    model = airfoil.model()
    model.load_state_dict(saved["model"])  # the weights the gradients were taken at, y
    optimizer = optim.AdamWScheduleFree(model.parameters(), lr=0.01)
    optimizer.load_state_dict(saved["optimizer"])
    inputs, targets = airfoil.train
    with torch.no_grad():
        at_y = float(airfoil.loss(model(inputs), targets))
        optimizer.eval()  # to the average x
        at_x = float(airfoil.loss(model(inputs), targets))
    assert run.curve["train_loss"].iloc[-1] == pytest.approx(at_x, rel=1e-6)
    with torch.no_grad():  # and the model handed back is that one
        assert float(airfoil.loss(run.model(inputs), targets)) == pytest.approx(at_x, rel=1e-6)
    assert abs(at_x - at_y) > 1e-3 * at_x  # the two points differ: the curve chose x


def test_lbfgs_trains_with_its_closure_exactly_as_torchs(airfoil):
    options = {"epochs": 1, "batch_size": 100}
    ours = dl.fit(airfoil, "lbfgs(lr=0.5, max_iter=4, line_search_fn='strong_wolfe')", **options)
    theirs = dl.fit(airfoil, "torch.LBFGS(lr=0.5, max_iter=4, line_search_fn='strong_wolfe')",
                    **options)  # fmt: skip
    assert ours.curve[MEASURED].equals(theirs.curve[MEASURED])
    assert ours.curve["train_loss"].iloc[-1] < 0.26  # the textbook's SGD ends at 0.245-0.25


def test_muon_alone_refuses_a_model_with_biases_and_points_to_muon_adamw(airfoil):
    with pytest.raises(
        ValueError, match=r"takes only 2-D parameters; for a whole model use muon_adamw"
    ):
        dl.fit(airfoil, "muon", epochs=1)
    run = dl.fit(airfoil, "muon_adamw(lr=0.02)", epochs=1, batch_size=10)
    assert run.curve["train_loss"].iloc[-1] < 0.26
