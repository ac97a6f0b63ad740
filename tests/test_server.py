"""server.py: the session cookie's route and the headers on every answer, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from bench.streamlit_protocol import Client, run
from coach.storage import Role, SessionPolicy, sql
from coach.storage.sql import open_store
from coach.storage.throttle import FREE_FAILURES, Key
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
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/coach/session.js", timeout=10) as script:
            assert script.headers["content-type"].startswith("text/javascript")
            assert "tag.dataset.ticket" in script.read().decode()
        answers = [dict(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).headers.items())
                   for path in ("/", "/_stcore/health", "/console?attempt=abc", "/coach/session.js")]
        answers.append(post(port, b"{}")[1])  # the route's own refusal
    for headers in answers:
        lowered = {name.lower(): value for name, value in headers.items()}
        assert lowered["x-frame-options"] == "DENY"
        policy = dict(part.strip().split(" ", 1) for part in lowered["content-security-policy"].split(";"))
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert policy["default-src"] == policy["connect-src"] == "'self'"
        assert policy["img-src"] == "'self' data: blob:", "no image from another site"
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert lowered["referrer-policy"] == "same-origin"


def test_behind_a_trusted_proxy_the_audit_log_records_the_users_address(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    store.create_user("lee", "Lee", Role.TRAINEE, PASSWORD)
    with app_server(database, tmp_path / "server.log") as (_, port):  # a proxy on the same machine
        async def wrong_password() -> None:
            tab = Client(port, headers={"X-Forwarded-For": "203.0.113.77"})
            await tab.connect()
            await tab.rerun(tab.press("login_submit", login_username="lee", login_password="not the password"))
            await tab.close()

        run(wrong_password())
    with store.engine.connect() as conn:
        sources = conn.execute(select(sql.login_attempts.c.source)).scalars().all()
    assert sources == ["203.0.113.77"]


def test_guesses_sent_at_once_over_the_websocket_are_all_counted(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)
    guesses = 12

    async def guess(number: int) -> str:
        tab = Client(port, headers={"X-Forwarded-For": "203.0.113.9"})
        await tab.connect()
        await tab.rerun(tab.press("login_submit", login_username="cora", login_password=f"guess number {number}"))
        await tab.close()
        return tab.page_text()

    async def all_at_once() -> list[str]:
        return list(await asyncio.gather(*(guess(n) for n in range(guesses))))

    with app_server(database, tmp_path / "server.log") as (_, port):
        pages = run(all_at_once())
    with store.engine.connect() as conn:
        checked = conn.execute(select(sql.login_attempts.c.id)).scalars().all()
    refused = [page for page in pages if "Too many failed sign-ins" in page]
    assert len(checked) <= FREE_FAILURES[Key.PAIR] + 1
    assert len(refused) == guesses - len(checked)
    assert store.authenticate("cora", PASSWORD, source="198.51.100.1") is not None, "the owner elsewhere gets in"


def test_the_server_reads_the_intent_models_at_start_not_in_a_trainees_first_chat() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import server; from coach.intents import _committed_models; "
         "print(_committed_models.cache_info().currsize)"],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True,
    )
    assert loaded.stdout.split()[-1] == "1"
