"""Every use of Gradio's internals, in one place: what the page relies on that Gradio does not promise.

Pinned to the Gradio series in pyproject.toml; tests/test_gradio_internals.py checks each assumption
below against the installed Gradio, so an upgrade that breaks one fails there, by name.

- Login (:func:`session_user`): Gradio's session cookies are ``access-token-`` and
  ``access-token-unsecure-`` suffixed with ``app.cookie_id`` (gradio/routes.py, ``login`` and
  ``get_current_user``), and ``app.tokens`` maps a cookie's token to its user.
- Malformed API bodies: Gradio raises ``FnIndexInferError`` (gradio.route_utils) for an unknown
  ``fn_index`` or endpoint, before it answers (:data:`MALFORMED_ERRORS`).
- Examples (:func:`queue_event`): ``Blocks.fns`` by event id holds each event's ``BlockFunction``,
  whose ``queue`` flag decides whether a click runs through the queue.
- Events and streams (:func:`find_event`, :func:`input_counts`, :func:`input_models`,
  :func:`event_names`, :func:`stream_open`, :func:`event_session`): below.
- The page's script and CSS (page/assets.py) rely on class names of Gradio's frontend build, listed
  in :data:`FRONTEND_CLASSES`, and on messages carrying ``data-testid="user"``/``"bot"``.
- Sessions (:func:`lean_sessions`): Gradio keeps a ``SessionState`` per ``session_hash``
  (``gradio.state_holder``), and in it a copy of every component's config with the last value each
  input and output had, only for ``/gradio_api/deep_link``, which the page does not offer. A forged
  request of 960 KB with a new session hash each time kept 960 KB per session.
"""

from __future__ import annotations

from copy import copy
from typing import Any

import gradio.state_holder as _state_holder
from gradio.route_utils import FnIndexInferError

LEAN = "savol_lean_sessions"  # the attribute that marks a Blocks whose sessions are kept lean


class LeanSessionState(_state_holder.SessionState):
    """Gradio's per-session state, keeping only what handlers read: ``gr.State`` values and the
    session's own copies of blocks and events. No component config, no last input or output value."""

    def __init__(self, blocks):
        if not getattr(blocks, LEAN, False):
            super().__init__(blocks)
            self._lean = False
            return
        self._lean = True
        self.blocks_config = copy(blocks.default_config)
        self.config_values: dict[int, Any] = {}
        self.state_data: dict[int, Any] = {}
        self._state_ttl: dict = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 3600

    def __setitem__(self, key: int, value: Any) -> None:
        if not self._lean:
            return super().__setitem__(key, value)
        from gradio.components import State

        block = self.blocks_config.blocks.get(key)
        if isinstance(block, State):
            import datetime

            self._state_ttl[key] = (block.time_to_live, datetime.datetime.now())
            self.state_data[key] = value
        else:
            self.blocks_config.blocks[key] = value

    def _update_config(self, key: int) -> None:
        if not self._lean:
            super()._update_config(key)

    def _update_value_in_config(self, key: int, value: Any) -> None:
        if not self._lean:
            super()._update_value_in_config(key, value)


def lean_sessions(demo) -> None:
    """Keep ``demo``'s per-session state lean: Gradio's ``StateHolder`` builds each session with the
    module's ``SessionState``, which becomes :class:`LeanSessionState` (other Blocks are unchanged)."""
    setattr(demo, LEAN, True)
    _state_holder.SessionState = LeanSessionState


# ---------------------------------------------------------------- request shapes (page/shapes.py)
# What Gradio's routes look up before they answer (gradio/routes.py, gradio/route_utils.py): the
# event a request names (``Blocks.fns``, by ``fn_index`` or ``api_name``), how many inputs it takes
# (``BlockFunction.inputs``, where ``/call/<api>`` may leave out the ``skip_api`` ones), and the
# queue's open streams (``Queue.pending_messages_per_session``, an event's session in
# ``Queue.event_ids_to_events`` or ``Queue.pending_event_ids_session``).


def find_event(blocks, *, api_name: str | None = None, fn_index=None):
    """The event (Gradio's ``BlockFunction``) a request names, or None when it names none."""
    if fn_index is not None:
        return blocks.fns.get(fn_index) if isinstance(fn_index, int) and not isinstance(fn_index, bool) else None
    return next((fn for fn in blocks.fns.values() if fn.api_name == api_name), None)


def input_counts(fn, *, simple: bool) -> set[int]:
    """How many values ``fn`` accepts in ``data`` (``simple``: the ``/call/<api>`` route)."""
    counts = {len(fn.inputs)}
    if simple:
        counts.add(sum(1 for block in fn.inputs if not getattr(block, "skip_api", False)))
    return counts


def input_models(fn) -> dict[int, Any]:
    """Position -> pydantic model of each chat-history input of ``fn`` (a ``gr.Chatbot``)."""
    from gradio.components import Chatbot

    return {i: block.data_model for i, block in enumerate(fn.inputs) if isinstance(block, Chatbot)}


def event_names(fn) -> set[str]:
    """The names of the events that trigger ``fn`` ("like", "submit"…)."""
    return {target[1] for target in fn.targets or []}


def stream_open(blocks, session_hash: str) -> bool:
    """Whether the queue has a stream of messages for ``session_hash`` (else Gradio's stream breaks)."""
    return session_hash in blocks._queue.pending_messages_per_session


def event_session(blocks, event_id: str) -> str:
    """The session whose stream carries ``event_id``'s messages, as ``/call/<api>/<id>`` finds it."""
    queue = blocks._queue
    event = queue.event_ids_to_events.get(event_id)
    if event is not None:
        return event.session_hash
    return next((s for s, ids in queue.pending_event_ids_session.items() if event_id in ids), event_id)


# -- login, malformed bodies, examples -------------------------------------------------------------

SESSION_COOKIES = ("access-token-", "access-token-unsecure-")
MALFORMED_ERRORS = (FnIndexInferError,)
# Class names of Gradio's frontend that page/assets.py styles or reads.
FRONTEND_CLASSES = (
    "toast-body",
    "toast-title",
    "toast-text",
    "message-buttons",
    "scroll-down-button-container",
    "placeholder-content",
)


def session_user(app, cookies: dict[str, str]) -> str | None:
    """The logged-in user a request's session cookie names, as Gradio's ``get_current_user`` finds it."""
    for name in SESSION_COOKIES:
        token = cookies.get(name + app.cookie_id)
        if token:
            return app.tokens.get(token)
    return None


def queue_event(demo, event) -> None:
    """Run ``event`` (an event's dependency dict, e.g. ``examples.load_input_event``) through the queue."""
    demo.fns[event["id"]].queue = True
