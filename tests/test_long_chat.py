"""A long chat's transcript is sent in blocks: a message re-sends the last block only."""

from __future__ import annotations

from pathlib import Path

from bench.streamlit_protocol import Client, run
from coach.storage import Role
from coach.storage.sql import open_store
from coach.transcript_view import TRANSCRIPT_BLOCK
from tests.conftest import PASSWORD, app_server


async def long_chat(port: int, store, trainee) -> tuple[list[str], list[str]]:
    """Messages until the chat is past its first block; then (what one more message re-sent,
    what a full page load shows)."""
    client = Client(port)
    await client.connect()
    await client.rerun(client.press("login_submit", login_username="lee", login_password=PASSWORD))
    await client.rerun(client.press("console_start"))
    number = 0
    while True:
        await client.rerun(client.submit("console_draft", f"Message {number}: still searching the catalog."))
        number += 1
        attempt = store.list_attempts(trainee, owner_id=trainee.id, limit=1)[0]
        if len(store.load_attempt(trainee, attempt.id).events) > TRANSCRIPT_BLOCK + 5:
            break
    client.texts = []
    await client.rerun(client.submit("console_draft", "The newest message."))
    resent = client.texts
    reloaded = Client(port, query_string=client.query_string)
    await reloaded.connect()
    await reloaded.rerun(reloaded.press("login_submit", login_username="lee", login_password=PASSWORD))
    await client.close()
    await reloaded.close()
    return resent, reloaded.texts


def test_a_message_in_a_long_chat_resends_only_the_last_block(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    trainee = store.create_user("lee", "Lee", Role.TRAINEE, PASSWORD)
    with app_server(database, tmp_path / "server.log") as (_, port):
        resent, reloaded = run(long_chat(port, store, trainee))
    assert any("The newest message" in text for text in resent)
    assert not any("Message 0" in text for text in resent), "the first block was sent again"
    page = "\n".join(reloaded)
    assert "Message 0" in page and "The newest message" in page, "a full load shows the whole chat"
