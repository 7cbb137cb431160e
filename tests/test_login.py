"""The page behind SAVOL_AUTH: every route but the login answers 401 until the reader logs in.

Raw HTTP for the routes (a script sees exactly what the server answers), gradio_client for
a reader who logs in the way a program does. The browser's login form is in
test_browser_faults.py.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace

import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

import page.app as page_app
import page.serve as page_serve
from answering.chain import Savol
from ingest.errors import SavolError
from tests.page_client import PASSWORD, USER, login, request, status

GOOD = "Кто губернатор Токио?"
GOVERNOR = "Юрико Коикэ"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def cookie(locked) -> str:
    """The login cookies of a reader who logged in through the form."""
    code, cookies = login(locked, USER, PASSWORD)
    assert code == 200 and "access-token" in cookies
    return cookies


def _forged(cookie: str) -> str:
    """The reader's cookies with the right names and made-up values."""
    return "; ".join(f"{part.split('=', 1)[0]}=forged-{n}" for n, part in enumerate(cookie.split("; ")))


def _ask(client: Client, question: str) -> str:
    return client.predict(question, api_name="/ask")["answer"]


def _upload(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    """POST a 5-byte text file to /gradio_api/upload, as the page's file components would."""
    boundary = "savol-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="note.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nnote\n\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"} | ({"Cookie": cookie} if cookie else {})
    return request(url, "POST", "/gradio_api/upload", body, headers)


def test_client_without_credentials_is_refused(locked, model_calls):
    """A script that does not log in gets no config, no API and no answer."""
    with pytest.raises(AuthenticationError, match="login"):
        Client(locked, verbose=False)
    assert model_calls == []


@pytest.mark.parametrize("user, password", [(USER, "wrong"), ("admin", PASSWORD), (USER, PASSWORD.upper())])
def test_client_with_wrong_credentials_is_refused(locked, model_calls, user, password):
    """A wrong user or password is rejected at login (Gradio: 400), with no answer computed."""
    with pytest.raises((AuthenticationError, ValueError), match="Could not login"):
        Client(locked, auth=(user, password), verbose=False)
    assert model_calls == []


@pytest.mark.parametrize("user", [USER + " ", " " + USER, USER + "\t", USER + "\n"], ids=repr)
def test_login_compares_the_user_name_exactly(locked, user):
    """ "reader " is not "reader": Gradio strips the name before comparing, so a near miss got
    a session. It is refused like any wrong login (the right one: the next test)."""
    code, cookies = login(locked, user, PASSWORD)
    assert code == 400 and "access-token" not in cookies


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("multipart/form-data; boundary=x", b"--x\r\nnot a part"),
        ("multipart/form-data", b"no boundary"),
        ("application/json", json.dumps({"username": USER, "password": PASSWORD}).encode()),
    ],
    ids=["broken-multipart", "no-boundary", "json"],
)
def test_unreadable_login_form_is_refused(locked, content_type, body):
    """The user-name check reads the form before Gradio does; a form it cannot read is a 4xx
    with a short reason and no session, not a 500."""
    code, reply = request(locked, "POST", "/login", body, {"Content-Type": content_type})
    assert 400 <= code < 500 and json.loads(reply)["detail"]


def test_auth_user_with_surrounding_spaces_is_a_setting_error(app):
    """Such a user could never log in (Gradio strips what is typed): `savol serve` says so at start."""
    with pytest.raises(SavolError, match="SAVOL_AUTH"):
        page_serve.launch_options(replace(app.settings, auth=f" {USER}:{PASSWORD}"))


def test_right_credentials_are_let_in(locked):
    """The refusals above are the lock working, not a broken page: the right login gets answers."""
    client = Client(locked, auth=(USER, PASSWORD), verbose=False)
    assert GOVERNOR in _ask(client, GOOD)


# (method, path, JSON body, status with a login). The first eight answered 200 to anyone
# when probed; the others are a sample of what Gradio already locked, kept locked. A body
# that asks is a function of the question: the logged-in call asks "" (no model runs, so
# nothing spills into the next test's model_calls).
ROUTES = [
    ("POST", "/gradio_api/cancel", {"event_id": "e", "session_hash": "s", "fn_index": 1}, 200),
    ("POST", "/gradio_api/reset", {"event_id": "e"}, 200),
    ("GET", "/gradio_api/heartbeat/s", None, 200),
    ("GET", "/gradio_api/startup-events", None, 200),
    ("GET", "/gradio_api/app_id", None, 200),
    ("GET", "/manifest.json", None, 200),
    ("GET", "/openapi.json", None, 200),
    ("GET", "/theme.css", None, 200),
    ("GET", "/config", None, 200),
    ("GET", "/gradio_api/info", None, 200),
    ("POST", "/gradio_api/call/ask", lambda q: {"data": [q, None]}, 200),
    ("POST", "/gradio_api/queue/join", lambda q: {"data": [q, None], "fn_index": 6, "session_hash": "s"}, 200),
    ("GET", "/gradio_api/user", None, 200),
    ("GET", "/gradio_api/token", None, 200),
    ("GET", "/favicon.ico", None, 200),
    ("GET", "/robots.txt", None, 200),
]


@pytest.mark.parametrize("method, path, body, logged_in", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_route_needs_a_login(locked, cookie, model_calls, method, path, body, logged_in):
    """Without the login cookie (or with forged values under its name) the route answers 401;
    with it, what it always answered. Cancel, reset and heartbeat act on any session hash,
    so an open one lets anyone stop a logged-in reader's answer."""

    def raw(question):
        return None if body is None else json.dumps(body(question) if callable(body) else body)

    assert status(locked, method, path, raw(GOOD), JSON) == 401
    assert status(locked, method, path, raw(GOOD), JSON | {"Cookie": _forged(cookie)}) == 401
    assert model_calls == []
    assert status(locked, method, path, raw(""), JSON | {"Cookie": cookie}) == logged_in


def test_what_draws_the_login_form_is_gradios_own(locked):
    """Open without a login, and needed by the login form: Gradio's build and fonts, the same bytes
    in every Gradio install. The theme's stylesheet, locked at /theme.css, is written into the page."""
    import gradio as gr

    code, page = request(locked, "GET", "/")
    assets = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', page.decode("utf-8"))
    assert code == 401 and assets
    for asset in assets:
        assert status(locked, "GET", "/" + asset) == 200
    assert status(locked, "GET", "/static/fonts/SourceSansPro/SourceSansPro-Regular.woff2") == 200
    assert status(locked, "GET", "/theme.css") == 401
    assert f"<style>{gr.themes.Default()._get_theme_css()}</style></head>".encode() in page


def test_uploads_and_cached_files_need_a_login(locked, cookie):
    """/gradio_api/upload and /gradio_api/file= hand files in and out: 401 without the login."""
    assert _upload(locked)[0] == 401
    code, body = _upload(locked, cookie)
    assert code == 200
    path = f"/gradio_api/file={json.loads(body)[0]}"
    assert status(locked, "GET", path) == 401
    assert status(locked, "GET", path, headers={"Cookie": _forged(cookie)}) == 401
    assert request(locked, "GET", path, headers={"Cookie": cookie}) == (200, b"note\n")


def test_login_page_is_the_only_page_and_tells_nothing(locked, cookie):
    """`/` without a login answers 401 with Gradio's login form, and nothing else: no
    components, no endpoint names, no docstrings (with the login: the whole page)."""
    for query in ("", "?all_endpoints=true", "?page=x"):
        code, body = request(locked, "GET", "/" + query)
        page = re.sub(r"<style>.*?</style>", "", body.decode("utf-8"), flags=re.S)  # the theme's CSS
        assert code == 401 and '"auth_required":true' in page
        assert "/ask" not in page and "chat" not in page and "Answer a question" not in page
    assert status(locked, "HEAD", "/") == 401
    code, body = request(locked, "GET", "/", headers={"Cookie": cookie})
    assert code == 200 and "/ask" in body.decode("utf-8") and "auth_required" not in body.decode("utf-8")


def test_anonymous_cancel_cannot_stop_a_readers_answer(settings, serve_page, monkeypatch):
    """While a logged-in reader waits for an answer, a stranger who knows (or guesses) the
    session hash sends cancel, reset and a heartbeat for it: all 401, and the answer arrives."""
    served = Savol(settings)
    started, release = threading.Event(), threading.Event()
    real_stream = served.stream

    def held_stream(question, history=None):  # the answer waits until the stranger has tried
        started.set()
        release.wait(30)
        yield from real_stream(question, history)

    monkeypatch.setattr(served, "stream", held_stream)  # what the page's chat answers with
    demo = page_app.build_app(served)
    chat = next(i for i, fn in demo.fns.items() if fn.api_name == "chat")
    with serve_page(served, demo=demo, auth=f"{USER}:{PASSWORD}") as url:
        reader = Client(url, auth=(USER, PASSWORD), verbose=False)
        job = reader.submit(GOOD, [], api_name="/chat")
        assert started.wait(30)
        session, codes = reader.session_hash, []

        def stranger():
            codes.append(
                status(
                    url,
                    "POST",
                    "/gradio_api/cancel",
                    json.dumps({"event_id": "e", "session_hash": session, "fn_index": chat}),
                    JSON,
                )
            )
            codes.append(status(url, "POST", "/gradio_api/reset", json.dumps({"event_id": "e"}), JSON))
            codes.append(status(url, "GET", f"/gradio_api/heartbeat/{session}"))  # its end closes the session's events

        attempt = threading.Thread(target=stranger)
        attempt.start()
        attempt.join(timeout=5)  # refused at once; what an open route does happens while the answer is held
        release.set()
        attempt.join(timeout=60)
        outputs = job.result(timeout=30)  # open routes: it never comes
    assert codes == [401, 401, 401]
    _, history, _ = outputs
    assert history and GOVERNOR in page_app._text(history[-1]["content"])
