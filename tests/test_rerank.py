"""The learned reranker: its weights file, what it does to the ranking, and when it refuses."""

from __future__ import annotations

import json
import logging

import pytest

from ingest.settings import PROJECT_ROOT
from retriever.features import QUESTION_FEATURES, SENTENCE_FEATURES
from retriever.hybrid import make_query
from retriever.rerank import MODEL_PATH, ModelUnusable, RerankerWeights, load_reranker


def test_shipped_weights_are_json_for_the_bundled_embedder(app):
    """The weights ship as JSON (never a pickle), name every feature in order, were trained for the
    default embedder, never on an untouched test set, and carry their cross-validated figures."""
    weights = RerankerWeights.load()  # a JSON file (its errors are the tests below)
    assert weights.sentence.features == SENTENCE_FEATURES
    assert weights.answerable.features == QUESTION_FEATURES
    assert weights.embedder == app.embedder.id
    assert 0 < weights.threshold < 1
    assert not {"qa_test.jsonl", "qa_holdout.jsonl"} & {p.rsplit("/", 1)[-1] for p in weights.about["trained_on"]}
    cv = weights.about["cross_validated"]
    assert {"answer_accuracy", "first_sentence_accuracy", "false_refusals", "off_topic_refused"} <= set(cv)
    # chosen without the fold they are applied to, the threshold's false refusals stay near its 3% budget
    assert cv["false_refusals"] <= 0.05


def test_weights_round_trip(tmp_path):
    """What eval.train writes is what the reranker reads back."""
    weights = RerankerWeights.load()
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights.to_dict()), encoding="utf-8")
    again = RerankerWeights.load(path)
    assert again.sentence.features == weights.sentence.features
    assert again.threshold == pytest.approx(weights.threshold, abs=1e-6)
    assert list(again.answerable.coef) == pytest.approx(list(weights.answerable.coef), abs=1e-6)


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "missing"),
        ("{not json", "unreadable"),
        ('{"version": 99}', "not valid"),
        ("RENAMED", "not the ones this savol computes"),
        ("NAN", "not finite"),
        (
            (
                '{"version": 1, "sentence": {"features": ["s_cos"], "mean": [0], "scale": [1], "coef": [1, 2], '
                '"intercept": 0}}'
            ),
            "not valid",
        ),
    ],
)
def test_a_bad_weights_file_is_one_clear_error(tmp_path, content, says):
    """A missing or damaged weights file, or one for other features, names itself and the command that
    rebuilds it, instead of failing on every question or never refusing."""
    path = tmp_path / "reranker.json"
    if content in ("RENAMED", "NAN"):  # the shipped file, with one feature renamed or a threshold of NaN
        data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
        if content == "RENAMED":
            data["sentence"]["features"][0] = "s_cosine_v2"
        else:
            data["threshold"] = float("nan")
        content = json.dumps(data)
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelUnusable) as err:
        RerankerWeights.load(path)
    assert says in str(err.value) and "python -m eval.train" in str(err.value)


def test_weights_of_another_embedder_fall_back_to_the_fixed_score(app, caplog):
    """Weights learned on one embedder's similarities mean nothing for another's: the fixed score
    is used, nothing is refused, and the log says how to train a reranker for it."""
    with caplog.at_level(logging.WARNING, logger="savol"):
        reranker = load_reranker(app.store, "st:some-other-model")
    assert reranker.weights is None
    assert "python -m eval.train" in caplog.text
    query = make_query("Tell me a joke")
    evidence = reranker.rank(query, app.retriever.search(query, k=10), lang="en")
    assert not evidence.refuse and evidence.answerable is None


def test_passages_are_reordered_by_their_best_sentence(app):
    """The first passage holds the best sentence; ranks are renumbered and the retrieval rank kept."""
    query = make_query("Hitachi компаниясининг Қозоғистонда нечта экскаватори ишламоқда?")
    docs = app.retriever.search(query, k=10)
    evidence = app.reranker.rank(query, docs, lang="uz-Cyrl")
    best = evidence.candidates[0]
    assert evidence.hits[0].id == best.hit.id
    assert [h.rank for h in evidence.hits] == list(range(1, len(docs) + 1))
    assert sorted(h.retrieval_rank for h in evidence.hits) == list(range(1, len(docs) + 1))
    logits = [c.logit for c in evidence.candidates]
    assert logits == sorted(logits, reverse=True)
    assert set(evidence.candidates[0].features) == set(SENTENCE_FEATURES)


@pytest.mark.parametrize(
    "question",
    [
        "Tell me a joke",
        "Какой сегодня курс биткоина к доллару?",  # refused since it is read in the Russian view (issue 15)
        "Тошкент метрополитени қачон ишга туширилган?",
    ],
)
def test_off_topic_questions_are_refused(app, question):
    """Questions that have nothing to do with the article get the refusal, not a confident quote
    (the three named in issue 11; the model was not tuned on them)."""
    result = app.ask(question)
    assert result.refused, (question, result.answer, result.evidence_score)
    assert result.retrieved  # the closest passages are still shown


def test_training_never_reads_an_untouched_set(capsys):
    """eval.train stops before anything is fitted when given a test set the report is judged on."""
    from eval.train import main

    assert main(["--dataset", str(PROJECT_ROOT / "eval" / "qa_holdout.jsonl"), "--output", "/dev/null"]) == 1
    assert "untouched test set" in capsys.readouterr().err


def test_training_writes_weights_the_reranker_reads(tmp_path, monkeypatch, capsys, settings):
    """`python -m eval.train` on a small set: cross-validates, writes JSON weights with their figures,
    and the product loads them. (Training reads the session's index instead of building its own.)"""
    from dataclasses import replace

    import eval.benchmark
    from eval import train

    monkeypatch.setattr(
        eval.benchmark, "build_settings", lambda base, workdir: (replace(base, index_dir=settings.index_dir), 0.0)
    )
    items = [
        json.loads(line) for line in (PROJECT_ROOT / "eval" / "qa_train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    small = tmp_path / "small.jsonl"
    picked = [i for i in items if i["answerable"]][:40] + [i for i in items if not i["answerable"]][:10]
    small.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in picked) + "\n", encoding="utf-8")
    out = tmp_path / "weights.json"
    assert train.main(["--dataset", str(small), "--output", str(out), "--folds", "3"]) == 0
    weights = RerankerWeights.load(out)
    assert weights.about["questions"] == 50 and weights.about["trained_on"] == [str(small)]
    assert "first_sentence_accuracy" in weights.about["cross_validated"]
    assert "first_sentence_accuracy" in weights.about["cross_validated_grouped"]
    printed = capsys.readouterr().out
    assert "| by question |" in printed and "| grouped by gold paragraph |" in printed and "wrote" in printed


def test_grouped_folds_keep_each_paragraphs_questions_together():
    """No gold paragraph's questions sit in both a training and a test fold; an unanswerable
    question goes with its top passage's paragraph, and every fold holds some."""
    from types import SimpleNamespace

    from eval.dataset import load_dataset
    from eval.gold import Corpus
    from eval.grouped import grouped_folds, paragraph_group

    corpus = Corpus(PROJECT_ROOT / "corpus")
    items = load_dataset(PROJECT_ROOT / "eval" / "qa_train.jsonl")
    records = [
        {"item": item, "hits": [SimpleNamespace(passage=SimpleNamespace(source="article.txt", paragraph=n % 40))]}
        for n, item in enumerate(items)
    ]
    folds = grouped_folds(records, corpus, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(len(records)))
    fold_of = {}
    for number, fold in enumerate(folds):
        for i in fold:
            assert fold_of.setdefault(paragraph_group(records[i], corpus), number) == number
        assert any(not records[i]["item"].answerable for i in fold)
    n, unanswerable = next((n, r) for n, r in enumerate(records) if not r["item"].answerable)
    assert paragraph_group(unanswerable, corpus) == ("article.txt", n % 40)
    assert len(fold_of) > 20  # the answerable questions' own paragraphs
