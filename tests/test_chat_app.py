"""The chat page: a real Gradio server on a free port, driven by gradio_client, plus its pieces."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest
from gradio_client.exceptions import AppError

import page.app as page_app
import page.serve as page_serve
from answering.answer import Answer, Citation
from eval.page_server import free_port
from ingest.corpus import read_source
from ingest.errors import SavolError
from page import render
from page.feedback import FeedbackNotSaved, read_votes, record_vote
from page.text import TEXTS
from tests.conftest import ARTICLE
from tests.page_client import fn_index, plain, request

FOUR_LANGUAGES = [
    ("Тоқаев Токиода ким билан учрашди?", "uz-Cyrl"),
    ("Toqayev Tokioda kim bilan uchrashdi?", "uz-Latn"),
    ("Кто губернатор Токио?", "ru"),
    ("How much has Japan invested in Kazakhstan?", "en"),
]
HITACHI = "Hitachi Construction Machinery нима қилади?"
FOLLOW_UP = "Унинг президенти ким?"
PRESIDENT = "Масафуми Сэнзаки"
OFF_TOPIC = "What gifts did the emperor give?"
# Questions the extractive answerer answers with two or three quoted sentences.
MULTI_SENTENCE = [  # questions in a language savol translates into (its answer comes with one)
    "Сколько двусторонних документов было подписано во время визита?",
    "When could the first branch of a Japanese university appear in Kazakhstan?",
    "What did Tokayev and the governor of Tokyo discuss?",
    "Prezident sun'iy intellekt bo'yicha hamkorlik platformasini qayerda joylashtirishni taklif qildi?",
]


def last_text(history: list) -> str:
    return page_app._text(history[-1]["content"])


@pytest.fixture(scope="module")
def multi_sentence(app) -> str:
    """A question whose answer quotes several sentences, so streaming has steps to show."""
    for question in MULTI_SENTENCE:
        if len(app.ask(question).sentences) >= 2:
            return question
    pytest.fail("no question in MULTI_SENTENCE gets a multi-sentence answer now; add one that does")


# ---------------------------------------------------------------- over HTTP, as users and scripts see it


@pytest.mark.parametrize("question, lang", FOUR_LANGUAGES)
def test_answers_in_all_four_languages(client, question, lang):
    """Readers ask in Uzbek (both scripts), Russian or English; each gets a quoted, cited answer."""
    result = client.predict(question, api_name="/ask")
    assert result["lang"] == lang
    assert not result["refused"]
    assert result["citations"]
    for c in result["citations"]:
        assert c["text"][c["quote_start"] : c["quote_end"]] == c["quote"]
        assert f"[{c['n']}]" in result["answer"]


def test_ask_returns_the_cli_json_object(client, app):
    """`/ask` is `savol ask --json` over HTTP: scripts can switch between them freely."""
    question = FOUR_LANGUAGES[0][0]
    result = client.predict(question, api_name="/ask")
    assert {"question", "answer", "refused", "citations", "retrieved", "timings_ms"} <= result.keys()
    for c in result["citations"]:
        assert c.keys() >= {"n", "chunk_id", "title", "date", "paragraph", "text", "quote", "quote_start", "quote_end"}
    for r in result["retrieved"]:
        assert {"rank", "chunk_id", "text", "score"} <= r.keys()
    expected = app.ask(question).to_dict()
    for key in ("timings_ms",):
        result.pop(key), expected.pop(key)
    assert result == json.loads(json.dumps(expected))


def test_ask_takes_history_for_follow_ups(client):
    """A script can ask a follow-up by passing the earlier questions."""
    result = client.predict(FOLLOW_UP, [HITACHI], api_name="/ask")
    assert PRESIDENT in result["answer"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_bad_question_is_a_clear_error(client, question):
    """Bad input gets the one-line human message, never a stack trace or a server path."""
    with pytest.raises(AppError) as caught:
        client.predict(question, api_name="/ask")
    message = str(caught.value)
    assert "question" in message.lower()
    assert "Traceback" not in message and "/work" not in message and ".py" not in message


def test_chat_streams_growing_text(client, app, multi_sentence):
    """The chat endpoint shows the question at once, then the answer one quoted sentence at a time."""
    expected = app.ask(multi_sentence)
    job = client.submit(multi_sentence, [], api_name="/chat")
    job.result()
    histories = [out[1] for out in job.outputs()]
    assert histories[0][-1]["role"] == "user"
    answers = [plain(last_text(h)) for h in histories[1:]]
    assert len(answers) == len(expected.sentences) + 1 >= 3  # one step a sentence, then its sources
    for shorter, longer in itertools.pairwise(answers[:-1]):
        assert longer.startswith(shorter) and len(longer) > len(shorter)
    assert answers[-1] == answers[-2] == expected.answer
    assert 'class="savol-sources"' in last_text(histories[-1])
    # savol's translation into the reader's language comes with the final answer, marked as one.
    assert expected.translation and expected.translation_lang == expected.lang
    assert f'class="savol-translation" lang="{expected.translation_lang}"' in last_text(histories[-1])
    assert expected.translation.split(" [")[0] in last_text(histories[-1])


def test_follow_up_uses_earlier_user_turns(client):
    """'Унинг президенти ким?' after a Hitachi question finds Hitachi's president."""
    _, history, _ = client.submit(HITACHI, [], api_name="/chat").result()
    _, history, _ = client.submit(FOLLOW_UP, history, api_name="/chat").result()
    assert PRESIDENT in plain(last_text(history))
    assert "<mark>" in last_text(history)


def test_refusal_still_shows_closest_passages(client):
    """An off-topic question is refused in its language, with the nearest passages to check."""
    _, history, _ = client.submit(OFF_TOPIC, [], api_name="/chat").result()
    answer = last_text(history)
    assert plain(answer) == "The article does not say."
    assert TEXTS["en"].closest in answer
    assert answer.count('class="savol-src"') == render.CLOSEST_SHOWN


def test_public_api_is_only_ask(client):
    """Internal events (like, context, examples) stay off the API page; `/ask` is the contract."""
    assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == ["/ask"]


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../../../etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file=..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/file=/etc/passwd",
        "/static/../../../../../etc/passwd",
        "/assets/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_file_routes_refuse_files_outside_the_app(url, path):
    """No allowed_paths: the server never hands out system files, however the path is spelled."""
    status, body = request(url, "GET", path)
    assert status != 200 and b"root:" not in body


def test_file_routes_refuse_the_index_and_feedback(url, app):
    """The index and the readers' votes live on disk next to the app; they are not downloadable."""
    for path in (app.settings.index_dir / "CURRENT", app.settings.feedback_dir):
        status, _ = request(url, "GET", f"/gradio_api/file={path}")
        assert status != 200


@pytest.mark.parametrize("path, event", [("/gradio_api/api/ask/", "ask"), ("/gradio_api/run/predict", "load_example")])
def test_direct_post_cannot_skip_the_queue(url, path, event):
    """api_open=False: a script cannot bypass the queue's concurrency and size limits, not even
    for the example loader, which Gradio runs outside the queue by default."""
    body = json.dumps({"data": ["Кто губернатор Токио?"] if event == "ask" else [0], "fn_index": fn_index(url, event)})
    status, _ = request(url, "POST", path, body, {"Content-Type": "application/json"})
    assert status == 404


# ---------------------------------------------------------------- the pieces, called directly


def test_respond_streams_sentence_by_sentence(app, multi_sentence):
    """`respond` is a plain generator: question first, then one more quoted sentence per step, and
    last the whole answer with its sources under it."""
    steps = list(page_app.respond(multi_sentence, [], app=app))
    box, first, _, _ = steps[0]
    assert box == "" and page_app.question_text(first[-1]["content"]) == multi_sentence
    texts = [plain(s[1][-1]["content"]) for s in steps[1:-1]]
    assert len(texts) >= 2
    assert all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(texts))
    assert plain(steps[-1][1][-1]["content"]) == texts[-1]
    assert "<mark>" in steps[-1][1][-1]["content"] and "<mark>" not in steps[-2][1][-1]["content"]


def test_follow_up_passes_only_earlier_user_turns(app, monkeypatch):
    """Only the reader's own questions reach the retriever, oldest first; answers are not questions."""
    seen = []
    real_stream = app.stream
    monkeypatch.setattr(app, "stream", lambda q, history=None: seen.append(history) or real_stream(q, history))
    history = [
        {"role": "user", "content": [{"type": "text", "text": "first?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "An answer. [1]"}]},
        {"role": "user", "content": HITACHI},
        {"role": "assistant", "content": "Another answer. [1]"},
    ]
    final = list(page_app.respond(FOLLOW_UP, history, app=app))[-1][1]
    assert seen == [["first?", HITACHI]]
    assert PRESIDENT in final[-1]["content"]


def test_markers_link_to_their_passage_and_quote(app):
    """Each [n] in the chat points at its passage and quotes, so a click can show it in context."""
    result = app.ask(HITACHI)
    shown = render.answer_markdown(result, "uz-Cyrl")
    c = result.citations[0]
    assert re.search(rf"\(#cite-{c.chunk_id}(-\d+-\d+)*-{c.quote_start}-{c.quote_end}[-\d]*\)", shown)
    assert plain(shown) == result.answer


def test_answer_markdown_escapes_and_links_every_marker():
    """Article text is Markdown-escaped; a marker that recurs links to the same passage each time."""
    cites = [Citation(n, f"c{n}", "T", "2025-12-20", n, f"Quote {n}.", f"Quote {n}.", 0, 8) for n in (1, 2)]
    answer = Answer(
        "q?",
        "A *b*. [1] C. [2] D. [1]",
        False,
        "en",
        citations=cites,
        sentences=[("Quote 1.", 1), ("Quote 2.", 2), ("Quote 1.", 1)],
    )
    shown = render.answer_markdown(answer, "en")
    assert shown.count("#cite-c1-0-8") == 2 and "\\*b\\*" in shown


def test_context_shows_neighbours_and_marks_the_quote(app):
    """Choosing a source shows the passage between the text before and after it, quote marked."""
    store = app.store
    chunk = store.chunks[5]
    sentence = store.sentences[chunk.sentence_ids[0]]
    start = chunk.text.find(sentence.text)
    page = page_app.context_html(store, f"cite-{chunk.id}-{start}-{start + len(sentence.text)}", "uz-Cyrl")
    assert f"<mark>{html.escape(sentence.text)}</mark>" in page
    assert page.count('class="savol-around"') == 2
    first_words = html.escape(store.chunks[6].text.split()[0])
    assert first_words in page.split('class="savol-focus"')[1]


@pytest.mark.parametrize("cite", ["", "cite-nothere-1-2", "<script>", "cite-abc-1-2-3", None])
def test_context_for_an_unknown_passage_is_a_message(app, cite):
    """The browser sends the reference; a stale or forged one gets a message, not an error."""
    assert html.escape(TEXTS["uz-Cyrl"].gone) in page_app.context_html(app.store, cite)


def test_header_names_title_date_and_outlet(app):
    """The page says which article it answers from, when it was published, and by whom."""
    page = page_app.header_html(app.store, [read_source(ARTICLE)], app.settings.article_url)
    chunk = app.store.chunks[0]
    assert html.escape(chunk.title) in page and chunk.date in page and "Kazinform" in page


def _like(index: int, liked=True, value="") -> gr.LikeData:
    return gr.LikeData(None, {"index": index, "value": value, "liked": liked})


def test_like_appends_question_answer_citations_vote_and_time(app, tmp_path):
    """A vote is one stored record with everything needed to review the answer later."""
    _, history, _, turns = list(page_app.respond(HITACHI, [], app=app))[-1]
    page_app.on_like(history, turns, _like(1, liked=False), feedback_dir=tmp_path)
    page_app.on_like(history, turns, _like(1, liked=True), feedback_dir=tmp_path)
    lines = list(read_votes(tmp_path))
    assert [x["vote"] for x in lines] == ["dislike", "like"]
    record = lines[0]
    assert record["question"] == HITACHI
    assert record["answer"] == app.ask(HITACHI).answer
    assert record["citations"][0].keys() >= {"n", "chunk_id", "paragraph", "quote"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["time"])


def test_unwritable_feedback_folder_warns_and_answering_goes_on(app, tmp_path):
    """A vote that cannot be saved is a notice, never a broken page: the next answer still comes."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    _, history, _, turns = list(page_app.respond(HITACHI, [], app=app))[-1]
    with pytest.warns(UserWarning, match=TEXTS["uz-Cyrl"].feedback_failed):
        page_app.on_like(history, turns, _like(1), feedback_dir=blocker / "feedback")
    final = list(page_app.respond(FOLLOW_UP, history, turns, app=app))[-1][1]
    assert PRESIDENT in final[-1]["content"]


def test_record_vote_error_names_the_fix(tmp_path):
    """The operator's log says which path failed and what to change."""
    (tmp_path / "file").write_text("")
    with pytest.raises(FeedbackNotSaved, match="SAVOL_FEEDBACK"):
        record_vote(tmp_path / "file" / "fb", vote="like", question="q", answer="a")


def test_unexpected_error_in_respond_is_a_generic_notice(app, monkeypatch):
    """A bug shows a short notice (in the reader's language), keeps the question in the box and
    never leaks a traceback."""
    monkeypatch.setattr(app, "stream", lambda q, history=None: 1 / 0)
    with pytest.warns(UserWarning, match=TEXTS["ru"].unexpected):
        steps = list(page_app.respond("Кто губернатор Токио?", [], app=app))
    assert steps[-1][0] == "Кто губернатор Токио?" and steps[-1][1] == []


def test_main_turns_errors_into_one_line_and_exit_code(app, tmp_path, capsys):
    """`savol serve` with a bad setting prints one line and exits non-zero, no traceback."""
    settings = replace(app.settings, auth="no-colon")
    assert page_serve.main(settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("savol: ") and err.count("\n") == 1 and "Traceback" not in err


def test_launch_options_are_safe_by_default(app):
    """Local bind, no SSR, no extra readable paths; auth only when SAVOL_AUTH is set."""
    options = page_serve.launch_options(app.settings)
    assert options["server_name"] == "127.0.0.1" and options["ssr_mode"] is False
    assert "allowed_paths" not in options and options["auth"] is None
    assert page_serve.launch_options(replace(app.settings, auth="ann:pw"))["auth"] == ("ann", "pw")
    with pytest.raises(SavolError):
        page_serve.launch_options(replace(app.settings, auth="ann"))


def test_chat_app_says_what_it_is_doing_while_it_builds_the_index(tmp_path):
    """`python chat_app.py` on a first run is never silent: it says it is building the index, shows
    a progress bar, then gives the page's address; no Gradio share-link hint."""
    port = free_port()
    env = dict(os.environ, SAVOL_INDEX=str(tmp_path / "fresh"), SAVOL_PORT=str(port), PYTHONIOENCODING="utf-8")
    script = Path(page_app.__file__).resolve().parent.parent / "chat_app.py"
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = b""
    try:
        deadline = time.monotonic() + 300
        while b"the chat page is at" not in err and proc.poll() is None and time.monotonic() < deadline:
            err += proc.stderr.read1(4096)
    finally:
        proc.terminate()
        out, rest = proc.communicate(timeout=30)
    text = (err + rest).decode("utf-8", "replace")
    assert text.startswith("savol: starting the chat page")
    assert "no index yet: building it from" in text and "building the index:" in text  # the tqdm bar
    assert f"the chat page is at http://127.0.0.1:{port}" in text
    assert "share=True" not in text + out.decode("utf-8", "replace")
