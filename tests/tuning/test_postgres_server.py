"""The test PostgreSQL server is real and shared: plain Optuna (not descentlab.tuning)
workers in separate processes run one study through it, as `tune --storage` will."""

from __future__ import annotations

import multiprocessing
import time
import traceback

import optuna
import pytest
import sqlalchemy
from optuna.trial import TrialState

from tests.postgres import PostgresServer, free_port

N_TRIALS = 20
ENQUEUED = [{"x": 0.25 + i} for i in range(5)]
LOCK_KEY = 20_261_201  # a PostgreSQL advisory lock: whoever holds it may start a trial
WAIT = 60  # seconds a worker waits for the other before giving up


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    time.sleep(0.01)
    return (x - 2) ** 2


def work(url: str, study_name: str, barrier, results, index: int) -> None:
    """Run trials of one study until it has N_TRIALS running or complete ones in all.

    Trials start under a lock on the server so the workers stop at exactly N_TRIALS, and
    each worker waits for the other once it holds its first trial, so both run some."""
    try:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name=study_name, storage=url)
        engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
        numbers: list[int] = []
        try:
            barrier.wait(WAIT)
            with engine.connect() as lock:
                while True:
                    lock.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
                    try:
                        taken = study.get_trials(
                            deepcopy=False, states=(TrialState.RUNNING, TrialState.COMPLETE)
                        )
                        trial = study.ask() if len(taken) < N_TRIALS else None
                    finally:
                        lock.execute(
                            sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY}
                        )
                    if trial is None:
                        break
                    if not numbers:
                        barrier.wait(WAIT)
                    study.tell(trial, objective(trial))
                    numbers.append(trial.number)
        finally:
            engine.dispose()
        results.put((index, numbers))
    except BaseException:
        results.put((index, traceback.format_exc()))


def test_two_processes_share_one_study(postgres_database: str) -> None:
    study = optuna.create_study(study_name="shared", storage=postgres_database)
    for tag, params in enumerate(ENQUEUED):
        study.enqueue_trial(params, user_attrs={"enqueued": tag})

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=work, args=(postgres_database, "shared", barrier, results, i))
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        done = dict(results.get(timeout=180) for _ in workers)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    for index, outcome in done.items():
        assert isinstance(outcome, list), f"worker {index} failed:\n{outcome}"
        assert outcome, f"worker {index} ran no trial"
    first, second = done[0], done[1]
    assert not set(first) & set(second)
    assert sorted(first + second) == list(range(N_TRIALS))

    trials = optuna.load_study(study_name="shared", storage=postgres_database).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * N_TRIALS
    assert sorted(t.number for t in trials) == list(range(N_TRIALS))
    enqueued = sorted(
        (t.user_attrs["enqueued"], t.params) for t in trials if "enqueued" in t.user_attrs
    )
    assert enqueued == list(enumerate(ENQUEUED))
    for params in ENQUEUED:
        assert sum(t.params == params for t in trials) == 1


def test_the_server_is_postgresql(postgres_server: PostgresServer, postgres_url: str) -> None:
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text("SELECT version()")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    socket_url = postgres_server.url(postgres_url.rsplit("/", 1)[1], via_socket=True)
    study = optuna.create_study(study_name="over-the-socket", storage=socket_url)
    study.optimize(objective, n_trials=2)
    assert len(optuna.load_study(study_name="over-the-socket", storage=postgres_url).trials) == 2


def test_each_test_gets_its_own_database(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    try:
        assert first != second
        optuna.create_study(study_name="only-here", storage=first)
        assert optuna.get_all_study_names(storage=second) == []
    finally:
        postgres_server.drop_database(first)
        postgres_server.drop_database(second)


def test_an_unreachable_server_fails_fast() -> None:
    url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/nothing?connect_timeout=10"
    with pytest.raises(sqlalchemy.exc.OperationalError, match=r"127\.0\.0\.1"):
        optuna.create_study(storage=url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://nobody@127.0.0.1:notaport/nothing",
        "postgresql+psycopg2//nobody@127.0.0.1/nothing",
    ],
)
def test_a_malformed_url_raises(url: str) -> None:
    with pytest.raises((ValueError, sqlalchemy.exc.ArgumentError)):
        optuna.create_study(storage=url)
