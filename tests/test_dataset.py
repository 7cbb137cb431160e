"""The Q&A datasets: every answer and evidence string must really be in the article."""

import pytest

from eval.dataset import LANGS, load_dataset
from savol.settings import PROJECT_ROOT

DATASETS = [PROJECT_ROOT / "eval" / "qa_dev.jsonl", PROJECT_ROOT / "eval" / "qa.jsonl",
            PROJECT_ROOT / "eval" / "qa_test.jsonl"]


@pytest.fixture(scope="module")
def article(article_path):
    return article_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", DATASETS, ids=lambda p: p.name)
def test_answers_and_evidence_occur_in_the_article(path, article):
    """A benchmark whose gold strings are not in the article measures nothing."""
    for item in load_dataset(path):
        for text in item.answers + item.evidence:
            assert text in article, f"{item.id}: {text!r} is not in the article"
        assert item.answerable == bool(item.evidence), item.id


def test_dev_set_mix():
    """At least 60 questions, all four languages, both Latin spellings, and 8+ unanswerables."""
    items = load_dataset(DATASETS[0])
    assert len(items) >= 60
    assert {i.lang for i in items} == set(LANGS)
    assert sum(not i.answerable for i in items) >= 8
    latin = [i.question for i in items if i.lang == "uz-Latn"]
    assert any("'" in q or "ʻ" in q for q in latin) and any(c in q for q in latin for c in "şçğö")


def test_benchmark_set_mix(article):
    """qa.jsonl grows the dev set: 150+ items, every paragraph covered, follow-ups included."""
    items = load_dataset(DATASETS[1])
    dev = {i.id: i for i in load_dataset(DATASETS[0])}
    by_id = {i.id: i for i in items}
    assert all(by_id.get(k) == v for k, v in dev.items())
    counts = {lang: sum(i.lang == lang for i in items) for lang in LANGS}
    assert len(items) >= 150 and counts["uz-Cyrl"] >= 70 and counts["uz-Latn"] >= 25
    assert counts["ru"] >= 20 and counts["en"] >= 20
    assert sum(not i.answerable for i in items) >= 15 and sum(bool(i.history) for i in items) >= 10
    paragraphs = article.split("\n")[1:]
    covered = {n for i in items for e in i.evidence for n, p in enumerate(paragraphs, 1) if e in p}
    assert covered >= set(range(1, len([p for p in paragraphs if p.strip()]) + 1))


def test_test_set_is_new_and_mixed():
    """qa_test.jsonl was written after the answerer was frozen: no question of the other sets,
    all four languages, both Latin spellings, unanswerables and follow-ups."""
    items = load_dataset(DATASETS[2])
    seen = {i.question for path in DATASETS[:2] for i in load_dataset(path)}
    assert not {i.question for i in items} & seen
    assert {i.lang for i in items} == set(LANGS) and len(items) >= 40
    assert sum(not i.answerable for i in items) >= 5 and sum(bool(i.history) for i in items) >= 4
    latin = [i.question for i in items if i.lang == "uz-Latn"]
    assert any("'" in q for q in latin) and any(c in q for q in latin for c in "şçğö")


def test_bad_dataset_line_is_named(tmp_path):
    """A dataset the runner has never seen gets a message that points at the bad line."""
    from eval.dataset import DatasetError

    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "lang": "en", "question": "q", "answers": [], "evidence": [], "answerable": false}\n'
                    "{oops\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 2"):
        load_dataset(path)
