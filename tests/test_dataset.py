"""The Q&A datasets: every answer and evidence string must really be in the article."""

import pytest

from eval.dataset import LANGS, load_dataset
from ingest.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "eval"
DATASETS = [
    EVAL / "qa_dev.jsonl",
    EVAL / "qa.jsonl",
    EVAL / "qa_test.jsonl",
    EVAL / "qa_train.jsonl",
    EVAL / "qa_holdout.jsonl",
]


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


def test_sets_share_no_question():
    """Training (qa.jsonl, qa_train.jsonl) and the untouched sets (qa_test.jsonl, qa_holdout.jsonl)
    never share a question: a figure on an untouched set must come from questions never trained on."""
    sets = {path.name: {(i.question, i.history) for i in load_dataset(path)} for path in DATASETS[1:]}
    names = sorted(sets)
    for n, a in enumerate(names):
        for b in names[n + 1 :]:
            assert not sets[a] & sets[b], (a, b)


@pytest.mark.parametrize(
    "path, size, unanswerable, off_topic, follow_ups",
    [
        (DATASETS[3], 200, 40, 20, 20),  # qa_train.jsonl
        (DATASETS[4], 80, 12, 6, 10),  # qa_holdout.jsonl
    ],
    ids=["qa_train", "qa_holdout"],
)
def test_paraphrased_sets_mix(path, size, unanswerable, off_topic, follow_ups):
    """The paraphrased sets (written by helpers who never ran savol) have the mix issue 11 asks
    for: four languages, both Latin spellings, unanswerables of which some off-topic, follow-ups."""
    items = load_dataset(path)
    assert len(items) >= size and {i.lang for i in items} == set(LANGS)
    assert sum(not i.answerable for i in items) >= unanswerable
    assert sum(i.off_topic for i in items) >= off_topic
    assert sum(bool(i.history) for i in items) >= follow_ups
    latin = [i.question for i in items if i.lang == "uz-Latn"]
    assert any("'" in q for q in latin) and any(c in q for q in latin for c in "şçğö")


GOOD_LINE = '{"id": "a", "lang": "en", "question": "q", "answers": [], "evidence": [], "answerable": false}'


@pytest.mark.parametrize(
    "lines, where, says",
    [
        ([GOOD_LINE, "{oops"], "line 2", "not valid JSON"),
        (
            [
                '{"id": "a", "lang": "en", "question": "q", "answers": ["x"], "evidence": ["x"], "answerable": true, '
                '"off_topic": true}'
            ],
            "line 1",
            "off_topic",
        ),  # an answerable question cannot be off-topic
    ],
)
def test_bad_dataset_line_is_named(tmp_path, lines, where, says):
    """A dataset the runner has never seen gets a message that points at the bad line and says why."""
    from eval.dataset import DatasetError

    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=where) as err:
        load_dataset(path)
    assert says in str(err.value)
