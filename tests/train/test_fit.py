"""fit and compare: curves, parity with torch.optim, the textbook's airfoil table,
digits accuracy, schedulers, divergence and bad input."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import descentlab as dl
from descentlab.train import Task, Training, TrainingRun
from descentlab.train.result import CURVE_COLUMNS

# ours and the torch class with the same hyperparameters (the textbook's settings)
PAIRS = {
    "sgd": ("sgd(lr=0.05)", "torch.SGD(lr=0.05)"),
    "momentum": ("momentum(lr=0.004, momentum=0.9)", "torch.SGD(lr=0.004, momentum=0.9)"),
    "adagrad": ("adagrad(lr=0.1)", "torch.Adagrad(lr=0.1)"),
    "rmsprop": ("rmsprop(lr=0.01, alpha=0.9)", "torch.RMSprop(lr=0.01, alpha=0.9)"),
    "adadelta": ("adadelta(rho=0.9, eps=1e-5)", "torch.Adadelta(rho=0.9, eps=1e-5)"),
    "adam": ("adam(lr=0.01)", "torch.Adam(lr=0.01)"),
    "adafactor": ("adafactor(lr=0.05)", "torch.Adafactor(lr=0.05)"),
    "lbfgs": ("lbfgs(lr=0.5, max_iter=3)", "torch.LBFGS(lr=0.5, max_iter=3)"),
    "adamax": ("adamax(lr=0.01)", "torch.Adamax(lr=0.01)"),
    "nadam": ("nadam(lr=0.01)", "torch.NAdam(lr=0.01)"),
    "radam": ("radam(lr=0.01)", "torch.RAdam(lr=0.01)"),
    "adamw": ("adamw(lr=0.01)", "torch.AdamW(lr=0.01)"),
    "asgd": ("asgd(lr=0.01)", "torch.ASGD(lr=0.01)"),
    "rprop": ("rprop(lr=0.001)", "torch.Rprop(lr=0.001)"),
}
MEASURED = ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"]


@pytest.fixture(scope="module")
def airfoil() -> Task:
    return dl.tasks.airfoil()


@pytest.fixture(scope="module")
def digits() -> Task:
    return dl.tasks.digits()


def _weights(run: TrainingRun) -> list[torch.Tensor]:
    return [t.detach().clone() for t in run.model.state_dict().values()]


def test_the_curve_records_the_full_training_loss_every_100_examples(airfoil: Task) -> None:
    run = dl.fit(airfoil, "sgd(lr=0.05)")
    curve = run.curve
    assert list(curve.columns) == list(CURVE_COLUMNS)
    assert curve["examples"].tolist() == list(range(0, 3001, 100))
    assert curve["examples"].dtype == np.int64
    np.testing.assert_allclose(curve["epoch"], curve["examples"] / 1500)
    assert curve[["val_loss", "val_accuracy", "train_accuracy"]].isna().all().all()
    assert (curve["lr"] == 0.05).all()
    assert curve["seconds"].is_monotonic_increasing
    # the recorded loss is the loss of the returned model on the whole training set
    features, target = airfoil.train
    with torch.no_grad():
        loss = float(((run.model(features).squeeze(-1) - target) ** 2 / 2).mean())
    assert run.final["train_loss"] == pytest.approx(loss, rel=1e-6)
    assert run.final["examples"] == 3000 and run.diverged_at == -1
    assert curve["train_loss"].iloc[0] > 0.45 > 0.25 > curve["train_loss"].iloc[-1]


def test_uneven_batches_record_where_a_multiple_of_100_is_crossed(airfoil: Task) -> None:
    curve = dl.fit(airfoil, "sgd(lr=0.05)", epochs=1, batch_size=40).curve
    # 1500 = 37 x 40 + 20: records after 120, 200, 320, 400, ... and at the epoch's end
    seen = curve["examples"].tolist()
    assert seen[:5] == [0, 120, 200, 320, 400] and seen[-1] == 1500
    assert all(b // 100 > a // 100 for a, b in itertools.pairwise(seen))


def test_fit_sees_the_same_batches_as_the_textbooks_dataloader_loop(airfoil: Task) -> None:
    features, target = airfoil.train
    for seed in (0, 5):
        torch.manual_seed(seed)
        w = torch.normal(0.0, 0.01, size=(5, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        trainer = torch.optim.SGD([w, b], lr=0.05)
        for _ in range(2):
            for x, y in DataLoader(TensorDataset(features, target), 10, shuffle=True):
                trainer.zero_grad()
                (((x @ w + b) - y.reshape(-1, 1)) ** 2 / 2).mean().backward()
                trainer.step()
        run = dl.fit(airfoil, "torch.SGD(lr=0.05)", seed=seed)
        assert torch.equal(run.model.weight.detach(), w.detach().T)
        assert torch.equal(run.model.bias.detach(), b.detach())


def test_fit_leaves_the_callers_random_generator_alone(airfoil: Task) -> None:
    torch.manual_seed(123)
    state = torch.get_rng_state()
    dl.fit(airfoil, "adam(lr=0.01)", epochs=1)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("name", list(PAIRS))
def test_ours_and_torch_give_identical_curves_in_float64(airfoil: Task, name: str) -> None:
    ours, reference = dl.compare(airfoil, PAIRS[name], seed=1, dtype=torch.float64)
    assert ours.curve["train_loss"].dtype == np.float64
    pd.testing.assert_frame_equal(ours.curve[MEASURED], reference.curve[MEASURED], rtol=0, atol=0)
    for a, b in zip(_weights(ours), _weights(reference), strict=True):
        assert a.dtype == torch.float64 and torch.equal(a, b)


@pytest.mark.parametrize("name", list(PAIRS))
def test_ours_and_torch_agree_in_float32(airfoil: Task, name: str) -> None:
    ours, reference = dl.compare(airfoil, PAIRS[name], seed=2)
    # 300 float32 steps: differences are rounding only (measured: none at all)
    pd.testing.assert_frame_equal(
        ours.curve[MEASURED], reference.curve[MEASURED], rtol=1e-5, atol=1e-7
    )
    for a, b in zip(_weights(ours), _weights(reference), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_ours_and_torch_train_the_digits_cnn_alike(digits: Task, name: str) -> None:
    ours = {"adam": "adam(lr=1e-3)", "momentum": "momentum(lr=0.05)"}[name]
    reference = {"adam": "torch.Adam(lr=1e-3)", "momentum": "torch.SGD(lr=0.05, momentum=0.9)"}
    first, second = dl.compare(digits, [ours, reference[name]], epochs=2, seed=3)
    pd.testing.assert_frame_equal(first.curve[MEASURED], second.curve[MEASURED], rtol=1e-4)
    assert second.curve["val_accuracy"].iloc[-1] > 0.8


# The textbook's table (2 epochs, batch 10 unless noted): final training loss.
TEXTBOOK = [
    ("sgd(lr=0.05)", 10, 0.2455),
    ("sgd(lr=0.005)", 1, 0.2464),
    ("momentum(lr=0.004, momentum=0.9)", 10, 0.2426),
    ("adagrad(lr=0.1)", 10, 0.2425),
    ("rmsprop(lr=0.01, alpha=0.9)", 10, 0.2420),
    ("adadelta(rho=0.9, eps=1e-5)", 10, 0.2465),
    ("adam(lr=0.01)", 10, 0.2430),
]


@pytest.mark.parametrize(("spec", "batch_size", "expected"), TEXTBOOK)
def test_the_textbooks_airfoil_table(
    airfoil: Task, spec: str, batch_size: int, expected: float
) -> None:
    for seed in (0, 1, 2):
        run = dl.fit(airfoil, spec, epochs=2, batch_size=batch_size, seed=seed)
        assert run.final["examples"] == 3000
        assert abs(run.final["train_loss"] - expected) <= 0.005, (seed, run.final["train_loss"])


@pytest.mark.parametrize("spec", ["adam(lr=1e-3)", "momentum(lr=0.05)"])
def test_digits_reach_95_percent_validation_accuracy_within_15_epochs(
    digits: Task, spec: str
) -> None:
    for seed in (0, 1, 2):
        curve = dl.fit(digits, spec, epochs=15, seed=seed).curve
        assert curve["epoch"].tolist() == list(range(16))
        assert curve["val_accuracy"].max() >= 0.95, (seed, curve["val_accuracy"].max())
        # cross-entropy falls from about ln 10 at the start
        assert curve["train_loss"].iloc[0] == pytest.approx(np.log(10), abs=0.15)
        assert curve["train_loss"].iloc[-1] < 0.1
        assert curve["val_loss"].notna().all() and curve["train_accuracy"].iloc[-1] > 0.97


def test_compare_starts_every_optimizer_from_the_same_weights(digits: Task) -> None:
    result = dl.compare(digits, ["adam(lr=1e-3)", "sgd(lr=0.1)", "adam(lr=1e-3)"], epochs=1)
    assert isinstance(result, Training) and len(result) == 3
    assert result.labels == ["adam(lr=0.001)", "sgd(lr=0.1)", "adam(lr=0.001) #2"]
    first_rows = [run.curve.iloc[0] for run in result]
    assert first_rows[0]["train_loss"] == first_rows[1]["train_loss"] == first_rows[2]["train_loss"]
    pd.testing.assert_frame_equal(result[0].curve[MEASURED], result[2].curve[MEASURED])
    frame = result.to_frame()
    assert frame["optimizer"].unique().tolist() == result.labels
    assert len(frame) == 3 * 2


def test_step_scheduler_changes_the_lr_each_epoch(airfoil: Task) -> None:
    run = dl.fit(airfoil, "sgd(lr=0.05)", epochs=3, scheduler="step(step_size=1, gamma=0.5)")
    lr = run.curve.set_index("examples")["lr"]
    assert lr[0] == lr[1500] == 0.05  # the epoch-end row is recorded before the step
    assert lr[1600] == lr[3000] == 0.025 and lr[3100] == lr[4500] == 0.0125


def test_schedulers_take_their_length_from_the_run(airfoil: Task) -> None:
    cosine = dl.fit(airfoil, "sgd(lr=0.05)", epochs=4, scheduler="cosine").curve
    expected = [0.05 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)]
    at_epoch_start = cosine[cosine["examples"].isin([100, 1600, 3100, 4600])]["lr"].to_numpy()
    np.testing.assert_allclose(at_epoch_start, expected, rtol=1e-12)
    onecycle = dl.fit(airfoil, "sgd(lr=0.05)", epochs=2, scheduler="onecycle(max_lr=0.1)")
    lr = onecycle.curve["lr"].to_numpy()
    peak = int(np.argmax(lr))
    assert lr[peak] == pytest.approx(0.1, rel=0.02) and 0 < peak < len(lr) - 1
    assert lr[-1] < 1e-5  # annealed to max_lr / (25 * 1e4) over exactly the run's batches


def test_plateau_follows_the_validation_loss(digits: Task) -> None:
    run = dl.fit(digits, "sgd(lr=0.2)", epochs=5, scheduler="plateau(patience=0, factor=0.5)")
    val, lr = run.curve["val_loss"].to_numpy(), run.curve["lr"].to_numpy()
    # row e holds epoch e's end, before the step; the lr halves after an epoch that did
    # not improve on the best validation loss by torch's relative threshold 1e-4
    best, expected = np.inf, [0.2, 0.2]
    for epoch in range(1, 5):
        improved = val[epoch] < best * (1 - 1e-4)
        best = min(best, val[epoch]) if improved else best
        expected.append(expected[-1] if improved else expected[-1] / 2)
    np.testing.assert_allclose(lr, expected[:6])


def test_a_diverging_run_stops_and_the_others_go_on(airfoil: Task) -> None:
    result = dl.compare(airfoil, ["sgd(lr=5)", "sgd(lr=0.05)"])
    wild, calm = result
    assert wild.diverged_at > 0 and not np.isfinite(wild.curve["train_loss"].iloc[-1])
    assert wild.curve["examples"].iloc[-1] <= 3000
    assert np.isfinite(wild.curve["train_loss"].iloc[:-1]).all()
    assert calm.diverged_at == -1 and calm.final["train_loss"] < 0.25


def test_a_task_of_your_own(tmp_path: Path) -> None:
    x = torch.linspace(-1, 1, 64).unsqueeze(-1)
    task = Task(
        name="line",
        train=(x, 3 * x.squeeze(-1) - 1),
        model=lambda: torch.nn.Linear(1, 1),
        loss=lambda out, y: ((out.squeeze(-1) - y) ** 2).mean(),
        epochs=40,
        batch_size=8,
    )
    run = dl.fit(task, "adam(lr=0.1)")
    assert run.final["train_loss"] < 1e-4
    assert run.model.weight.item() == pytest.approx(3, abs=0.01)
    assert run.model.bias.item() == pytest.approx(-1, abs=0.01)
    assert run.curve["epoch"].tolist() == list(range(41))


def test_results_save_and_load(airfoil: Task, tmp_path: Path) -> None:
    result = dl.compare(airfoil, ["sgd(lr=0.05)", "adam(lr=0.01)"], epochs=1)
    for suffix in (".csv", ".parquet", ".npz"):
        back = Training.load(result.save(tmp_path / f"curves{suffix}"))
        assert back.labels == result.labels and back.task == "airfoil"
        for a, b in zip(result, back, strict=True):
            pd.testing.assert_frame_equal(a.curve, b.curve, rtol=1e-12)
            assert b.options == a.options and b.spec == a.spec
    single = TrainingRun.save(result[1], tmp_path / "one.csv")
    assert Training.load(single).labels == ["adam(lr=0.01)"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dl.fit("airfoyl", "sgd"), r"unknown task 'airfoyl' \(did you mean 'airfoil'\?\)"),
        (lambda: dl.fit("digits", "adamm(lr=0.1)"), r"unknown optimizer 'adamm'.*'adam'"),
        (lambda: dl.fit("digits", "sgd", epochs=0), r"epochs must be a whole number >= 1"),
        (lambda: dl.fit("digits", "sgd", batch_size=2.5), r"batch_size must be a whole"),
        (lambda: dl.fit("digits", "sgd", seed=-1), r"seed must be a whole number >= 0"),
        (lambda: dl.fit("digits", "sgd", dtype=torch.int32), r"dtype must be torch.float32"),
        (lambda: dl.fit("digits", "sgd", batch_size=4), r"batch_size=4 leaves a last batch"),
        (lambda: dl.fit("digits", "sgd", scheduler="stp(step_size=2)"), r"unknown scheduler"),
        (lambda: dl.fit("digits", "sgd", resume=True), r"resume=True needs the checkpoint_dir"),
        (lambda: dl.compare("digits", "sgd"), r"compare takes a list"),
        (lambda: dl.fit("digits", "sgd(lr=-1)"), r"lr"),
        (lambda: dl.fit("digits", "sgd(lr=1e39)"), r"SGD: a hyperparameter is too large"),
    ],
)
def test_bad_arguments_are_one_line_errors(call: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message) as error:
        call()
    assert "\n" not in str(error.value)


def test_a_malformed_task_is_refused() -> None:
    x = torch.zeros(4, 1)
    with pytest.raises(ValueError, match=r"train must be \(inputs, targets\)"):
        Task(name="t", train=(x, torch.zeros(3)), model=torch.nn.Identity, loss=torch.sub)
    with pytest.raises(ValueError, match=r"kind must be 'regression' or 'classification'"):
        Task(name="t", train=(x, x), model=torch.nn.Identity, loss=torch.sub, kind="ranking")
    with pytest.raises(ValueError, match=r"evaluate_every must be a whole number"):
        Task(name="t", train=(x, x), model=torch.nn.Identity, loss=torch.sub, evaluate_every=0)


def test_progress_goes_to_the_callback(airfoil: Task, capsys: pytest.CaptureFixture) -> None:
    dl.fit(airfoil, "sgd(lr=0.05)", epochs=1)
    assert capsys.readouterr() == ("", "")
    calls: list[tuple[str, int, int]] = []
    dl.compare(airfoil, ["sgd(lr=0.05)", "adam(lr=0.01)"], epochs=1,
               on_progress=lambda *call: calls.append(call))  # fmt: skip
    assert capsys.readouterr() == ("", "")
    assert calls[0] == ("airfoil sgd(lr=0.05)", 1, 150)
    assert calls[149] == ("airfoil sgd(lr=0.05)", 150, 150)
    assert calls[150:] == [("airfoil adam(lr=0.01)", n, 150) for n in range(1, 151)]


def test_tasks_are_listed_and_described() -> None:
    assert dl.tasks.available()[:2] == ["airfoil", "digits"]
    assert dl.tasks.get("digits").kind == "classification"
    assert "10.24432/C5VW2C" in dl.tasks.airfoil().citation
