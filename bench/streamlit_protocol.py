"""Talking to a Streamlit server the way a browser tab does, for benchmarks and tests.

`start_server` runs an app in its own process on a free loopback port; `Client` speaks
Streamlit's WebSocket protocol (BackMsg/ForwardMsg protobufs) over the `websockets`
client that Streamlit's server already depends on: it sends rerun requests with widget
states, as the browser does, and waits for `script_finished`.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Common_pb2 import ChatInputValue
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
FINISHED = (
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end in a thread of its own: the caller's thread may already
    have an event loop running (Playwright's, in the browser tests)."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(script: Path, env: dict[str, str], log: Path | None = None) -> tuple[subprocess.Popen, int]:
    """Start `streamlit run script` on a free port and wait until it answers its health check."""
    port = free_port()
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the server keeps it)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=output, stderr=output,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"{script} did not start")


class Client:
    """One browser tab, as far as the server can tell."""

    def __init__(self, port: int, query_string: str = "", page_name: str = "",
                 headers: dict[str, str] | None = None) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.headers = headers or {}  # sent with the WebSocket handshake (a proxy's X-Forwarded-For)
        self.query_string = query_string
        self.page_name = page_name  # the page in the URL path, as a browser asks for it
        self.widget_ids: dict[str, str] = {}  # user key -> widget id
        self.choices: dict[str, WidgetState] = {}  # selectbox and radio states, sent back like a browser does
        self.fragments: dict[str, str] = {}  # widget id -> the fragment it was drawn in
        self.texts: list[str] = []  # markdown, text, headings and alerts of the last run, to read the page
        self.connection = None

    async def connect(self) -> None:
        self.connection = await connect(self.url, subprotocols=["streamlit"], max_size=None,
                                        additional_headers=self.headers)
        await self.rerun([])

    async def close(self) -> None:
        await self.connection.close()

    async def rerun(self, widgets: list[WidgetState], fragment_id: str = "") -> float:
        """Send one rerun request, of the pressed widget's fragment if it has one (or of
        `fragment_id`), as the browser does; return seconds until the script (or fragment) finished."""
        message = BackMsg()
        message.rerun_script.query_string = self.query_string
        message.rerun_script.page_name = self.page_name
        message.rerun_script.widget_states.widgets.extend(widgets)
        if widgets and widgets[0].id in self.fragments:
            message.rerun_script.fragment_id = self.fragments[widgets[0].id]
        elif fragment_id:
            message.rerun_script.fragment_id = fragment_id
        else:
            self.texts = []
        started = time.perf_counter()
        await self.connection.send(message.SerializeToString())
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await self.connection.recv())
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._remember(forward)
            elif kind == "page_info_changed":  # the app changed the URL's query, as a browser records it
                self.query_string = forward.page_info_changed.query_string
            elif kind == "script_finished" and forward.script_finished in FINISHED:
                return time.perf_counter() - started

    def _remember(self, forward: ForwardMsg) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("markdown", "text", "heading", "alert"):  # alert: st.error, st.warning, ...
            self.texts.append(getattr(element, kind).body)
        widget = getattr(element, kind, None) if kind else None
        widget_id = getattr(widget, "id", "")
        if widget_id.startswith("$$ID"):
            self.widget_ids[widget_id.rsplit("-", 1)[-1]] = widget_id
            if delta.fragment_id:
                self.fragments[widget_id] = delta.fragment_id
        if kind in ("selectbox", "radio"):
            chosen = widget.raw_value if widget.HasField("raw_value") else (
                widget.options[widget.default] if widget.HasField("default") and widget.options else None)
            if chosen is not None:
                self.choices[widget_id] = WidgetState(id=widget_id, string_value=chosen)

    def press(self, key: str, **values: str) -> list[WidgetState]:
        """The widget states of pressing the button `key` with these text widgets filled in."""
        states = [WidgetState(id=self.widget_ids[key], trigger_value=True), *self.choices.values()]
        for value_key, text in values.items():
            states.append(WidgetState(id=self.widget_ids[value_key], string_value=text))
        return states

    def submit(self, key: str, text: str) -> list[WidgetState]:
        """The widget states of typing `text` into the chat input `key` and pressing Enter."""
        return [WidgetState(id=self.widget_ids[key], chat_input_value=ChatInputValue(data=text)),
                *self.choices.values()]

    async def refresh(self, key: str) -> float:
        """Rerun the fragment that holds widget `key`, as a fragment's timer does in the browser."""
        return await self.rerun(list(self.choices.values()), fragment_id=self.fragments[self.widget_ids[key]])

    def page_text(self) -> str:
        return "\n".join(self.texts)
