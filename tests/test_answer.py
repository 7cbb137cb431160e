"""Answers: how quotes and markers are composed, and one interface for every answerer."""

from __future__ import annotations

from answering.answer import Answer, compose
from answering.chain import build_chain


def test_one_marker_after_each_run_of_quotes_from_one_passage():
    """ "A B [1] C [2]", never "A [1] B [1]"."""
    assert compose([("A.", 1), ("B.", 1), ("C.", 2)]) == "A. B. [1] C. [2]"
    assert compose([("A.", 1), ("C.", 2), ("B.", 1)]) == "A. [1] C. [2] B. [1]"
    assert compose([]) == ""


def test_extractive_answer_quotes_the_best_sentence_first(app):
    """The best-scored sentence leads; a second is quoted only when scored nearly as high; at most two."""
    result = app.ask("Hitachi Construction Machinery президенти ким?")
    assert not result.refused
    assert 1 <= len(result.sentences) <= 2
    evidence = app.reranker.rank(result.question, app.retriever.search(result.question, k=10))
    assert result.sentences[0][0] == evidence.candidates[0].sentence.text
    for citation in result.citations:
        assert citation.text[citation.quote_start : citation.quote_end] == citation.quote


def test_refusal_keeps_the_closest_passages(app):
    """When the reranker says the article does not answer, the reader still sees where it looked."""
    result = app.ask("Tell me a joke")
    assert result.refused and result.answer == "The article does not say."
    assert result.retrieved and not result.citations


class Echo:
    """A third answerer: anything with ``name`` and ``stream(question, evidence, earlier=)`` plugs in."""

    name = "echo"

    def stream(self, question, evidence, *, earlier=None):
        yield Answer(
            question,
            f"{question} | {earlier} | {len(evidence.candidates)}",
            False,
            "en",
            retrieved=list(evidence.hits),
            answerer=self.name,
        )


def test_the_chain_takes_any_answerer_without_knowing_its_kind(app):
    """Extractive and LLM answerers are interchangeable: the chain only calls stream(); a follow-up
    passes the previous question as ``earlier``."""
    chain = build_chain(app.retriever, app.reranker, Echo())
    result = chain.invoke({"question": "Унинг президенти ким?", "history": ["Hitachi нима қилади?"], "timings_ms": {}})
    question, earlier, candidates = result.answer.split(" | ")
    assert (question, earlier) == ("Унинг президенти ким?", "Hitachi нима қилади?") and int(candidates) > 0
    assert set(result.timings_ms) >= {"retrieve", "rerank", "answer"}
