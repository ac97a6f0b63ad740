"""server.py: the session cookie's route and the headers on every answer, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from coach.storage import Role, SessionPolicy
from coach.storage.sql import open_store
from tests.conftest import PASSWORD, app_server


def post(port: int, body: bytes) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/coach/session", data=body, method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, {name.lower(): value for name, value in answer.headers.items()}
    except urllib.error.HTTPError as refused:
        return refused.code, {name.lower(): value for name, value in refused.headers.items()}


def test_a_ticket_buys_one_httponly_cookie_and_every_answer_carries_the_security_headers(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    user = store.create_user("lee", "Lee", Role.TRAINEE, PASSWORD)
    session, ticket = store.start_session(user)
    with app_server(database, tmp_path / "server.log") as (_, port):
        status, headers = post(port, json.dumps({"ticket": ticket}).encode())
        assert status == 204
        cookie = headers["set-cookie"]
        token = cookie.split(";")[0].removeprefix("coach_session=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "Max-Age=43200" in cookie  # the absolute timeout, 12 hours
        found = store.session_for_cookie(token, SessionPolicy())
        assert found is not None and found.id == session.id
        assert post(port, json.dumps({"ticket": ticket}).encode())[0] == 403, "a ticket is good once"
        assert post(port, b"not json")[0] == 403
        assert post(port, json.dumps({"ticket": ["x"]}).encode())[0] == 403
        assert post(port, b"{" + b" " * 5000 + b"}")[0] == 413
        answers = [dict(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).headers.items())
                   for path in ("/", "/_stcore/health", "/console?attempt=abc")]
        answers.append(post(port, b"{}")[1])  # the route's own refusal
    for headers in answers:
        lowered = {name.lower(): value for name, value in headers.items()}
        assert lowered["x-frame-options"] == "DENY"
        assert lowered["content-security-policy"] == "frame-ancestors 'none'"
        assert lowered["referrer-policy"] == "same-origin"
