"""Each assumption page/gradio_internals.py makes about Gradio, checked against the installed Gradio, so an
upgrade that breaks one fails here, by name (the browser tests check the page's behaviour on top)."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import gradio.routes
import gradio.state_holder
import pytest
from gradio.route_utils import FnIndexInferError

from page import gradio_internals as gi


@pytest.fixture(scope="module")
def blocks():
    with gr.Blocks() as demo:
        box = gr.Textbox()
        chat = gr.Chatbot()
        out = gr.Textbox()
        examples = gr.Examples([["a"]], [box])
        box.submit(lambda q, h: q, [box, chat], out, api_name="ask")
        chat.like(lambda: None, None, None)
    demo.queue()
    demo.examples_for_test = examples
    return demo


def test_session_cookies_are_named_as_gradio_names_them():
    source = inspect.getsource(gradio.routes)
    for name in gi.SESSION_COOKIES:
        assert name + "{app.cookie_id}" in source, name


def test_session_user_reads_the_apps_tokens():
    app = SimpleNamespace(cookie_id="-abc", tokens={"t1": "ann"})
    assert gi.session_user(app, {"access-token--abc": "t1"}) == "ann"
    assert gi.session_user(app, {"access-token-unsecure--abc": "t1"}) == "ann"
    assert gi.session_user(app, {"access-token--other": "t1"}) is None
    assert gi.session_user(app, {"access-token--abc": "forged"}) is None
    real = gradio.routes.App()
    assert isinstance(real.cookie_id, str) and isinstance(real.tokens, dict)


def test_fn_index_infer_error_is_what_gradio_raises_for_an_unknown_endpoint():
    assert issubclass(FnIndexInferError, Exception) and FnIndexInferError in gi.MALFORMED_ERRORS


def test_events_are_found_by_api_name_and_fn_index(blocks):
    fn = gi.find_event(blocks, api_name="ask")
    assert fn is not None and fn.api_name == "ask"
    assert gi.find_event(blocks, fn_index=fn._id) is fn
    assert gi.find_event(blocks, api_name="nope") is None and gi.find_event(blocks, fn_index="0") is None
    assert gi.input_counts(fn, simple=False) == {2}
    assert list(gi.input_models(fn)) == [1]  # the chat history is the second input
    like = next(f for f in blocks.fns.values() if "like" in gi.event_names(f))
    assert like is not None


def test_an_example_click_can_be_queued(blocks):
    event = blocks.examples_for_test.load_input_event
    gi.queue_event(blocks, event)
    assert blocks.fns[event["id"]].queue is True


def test_queue_keeps_streams_by_session(blocks):
    queue = blocks._queue
    assert isinstance(queue.pending_messages_per_session, dict)
    assert isinstance(queue.event_ids_to_events, dict) and isinstance(queue.pending_event_ids_session, dict)
    assert gi.stream_open(blocks, "nobody") is False
    assert gi.event_session(blocks, "unknown-event") == "unknown-event"


def test_session_state_is_gradios_to_replace():
    assert issubclass(gi.LeanSessionState, gradio.state_holder.SessionState)
    params = inspect.signature(gradio.state_holder.SessionState.__init__).parameters
    assert list(params)[1:] == ["blocks"]


def test_the_frontend_still_has_the_classes_the_page_styles_and_reads():
    frontend = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
    built = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in frontend.glob("*.js"))
    for name in gi.FRONTEND_CLASSES:
        assert name in built, name
    # Messages are tagged with their role: data-testid="user" / "bot" (the page script finds answers by it).
    assert "data-testid" in built and "'s message: " in built
