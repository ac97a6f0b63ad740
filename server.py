"""The web server: the Streamlit app (app.py) plus what Streamlit's own server cannot do.

`streamlit run server.py` (what `python3 dev.py app` runs) serves app.py through Streamlit's
ASGI app, with:

- `POST /coach/session`: a new login's page trades its one-time ticket for the session
  cookie, set HttpOnly and SameSite=Strict by this answer, so that a reload or a second tab
  stays logged in while no script on the page, and no URL, ever holds the token;
  `GET /coach/session.js` is the script that does it (a file, so that the Content-Security-Policy
  needs no inline scripts but Streamlit's one line);
- headers on every answer: a Content-Security-Policy that lets the page load and connect to
  nothing but this server (so an image or link someone slipped into a text fetches nothing),
  keeps the app out of other sites' frames, and keeps its addresses (an attempt's id) out of
  the Referer sent to other sites.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app_pages.ui import SESSION_COOKIE, session_route_path, shared_store
from coach.intents import default_matcher
from coach.storage.config import session_policy

MAX_TICKET_REQUEST = 1024  # bytes: a ticket is 43 characters
# The page's script (app_pages.ui.set_login_cookie) reads the route and the ticket from its own tag.
SESSION_SCRIPT = """(function () {
  var tag = document.currentScript;
  fetch(tag.dataset.route, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({ticket: tag.dataset.ticket})});
})();
"""


def streamlit_inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts in Streamlit's own page (one line, `prerenderReady`)."""
    page = (Path(st.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    ]


def content_security_policy() -> str:
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *streamlit_inline_script_hashes()]),
        # Streamlit's components style themselves at run time (emotion <style> tags)
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "frame-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


SECURITY_HEADERS = (
    (b"content-security-policy", content_security_policy().encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)


async def bind_session(request: Request) -> Response:
    """Set the session cookie of the login whose ticket the page sends (once, within a minute)."""
    body = await request.body()
    if len(body) > MAX_TICKET_REQUEST:
        return Response(status_code=413)
    try:
        ticket = (await request.json()).get("ticket")
    except ValueError:
        ticket = None
    token = await run_in_threadpool(shared_store().bind_session, ticket) if isinstance(ticket, str) else None
    if token is None:
        return Response(status_code=403)
    answer = Response(status_code=204)
    answer.set_cookie(
        SESSION_COOKIE, token, max_age=int(session_policy().absolute.total_seconds()), path="/",
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )
    return answer


async def session_script(request: Request) -> Response:
    return PlainTextResponse(SESSION_SCRIPT, media_type="text/javascript",
                             headers={"cache-control": "public, max-age=3600"})


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP answer (pages, assets, this module's route)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [header for header in SECURITY_HEADERS if header[0] not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


routes: list[Any] = [
    Route(session_route_path(), bind_session, methods=["POST"]),
    Route(session_route_path() + ".js", session_script, methods=["GET"]),
]
app = st.App("app.py", routes=routes, middleware=[Middleware(SecurityHeaders)])

# The intent models are read once per process, a quarter of a second of Python that holds the GIL:
# here at start, not in the first chat a trainee opens, where every other session waited for it.
default_matcher()
