"""Eight processes writing to one database at once lose nothing, duplicate nothing, and never
see "database is locked": each appends events one committed transaction at a time to an attempt
of its own, and some to one attempt they all share, retrying on Conflict."""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

from coach.events import Say
from coach.files import read_text
from coach.scenario import load_scenario
from coach.storage import Conflict, Role
from coach.storage.sql import open_store
from tests.conftest import ROOT

PROCESSES = 8
OWN_EVENTS = 200
SHARED_EVENTS = 25  # per process
SCENARIO = ROOT / "scenarios" / "apa-citation-youtube.yaml"


def write_events(
    url: str, number: int, owner_id: int, own_attempt: str, sharer_id: int, shared_attempt: str,
    start: Any, results: Any,
) -> None:
    """One child process: report (number, conflicts retried, the error or None)."""
    conflicts = 0
    try:
        store = open_store(url)
        owner, sharer = store.get_user(owner_id), store.get_user(sharer_id)
        start.wait()
        for index in range(OWN_EVENTS):
            store.append_events(owner, own_attempt, index, [Say(t=float(index), text=f"{number}:{index}")])
            if index % (OWN_EVENTS // SHARED_EVENTS) == 0:
                while True:  # what a second tab does: reload, append after the newest event
                    next_seq = len(store.load_attempt(sharer, shared_attempt).events)
                    try:
                        store.append_events(
                            sharer, shared_attempt, next_seq, [Say(t=float(index), text=f"{number}:{index}")]
                        )
                        break
                    except Conflict:
                        conflicts += 1
        store.close()
        results.put((number, conflicts, None))
    except BaseException:  # every error goes back to the test, "database is locked" above all
        results.put((number, conflicts, traceback.format_exc()))


def test_eight_processes_append_at_once_without_loss_or_lock_errors(store_url: str) -> None:
    store = open_store(store_url)
    version = store.save_scenario_version(load_scenario(SCENARIO), read_text(SCENARIO))
    # argon2 hashing is slow on purpose: one account per process, made before the clock starts
    owners = [store.create_user(f"writer{n}", f"Writer {n}", Role.TRAINEE, "a writer pass phrase") for n in range(PROCESSES)]
    sharer = store.create_user("sharer", "Sharer", Role.TRAINEE, "a sharing pass phrase")
    own_attempts = [store.start_attempt(owner, version, "practice") for owner in owners]
    shared_attempt = store.start_attempt(sharer, version, "practice")

    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(PROCESSES), spawn.Queue()
    children = [
        spawn.Process(
            target=write_events,
            args=(store_url, n, owners[n].id, own_attempts[n], sharer.id, shared_attempt, start, results),
        )
        for n in range(PROCESSES)
    ]
    for child in children:
        child.start()
    reports = sorted(results.get(timeout=300) for _ in children)
    for child in children:
        child.join(timeout=60)
    errors = [error for _, _, error in reports if error]
    assert errors == [], "\n".join(errors)
    assert [child.exitcode for child in children] == [0] * PROCESSES

    for n, owner in enumerate(owners):
        events = store.load_attempt(owner, own_attempts[n]).events
        assert [event.text for event in events] == [f"{n}:{index}" for index in range(OWN_EVENTS)]
    shared = [event.text for event in store.load_attempt(sharer, shared_attempt).events]
    assert len(shared) == len(set(shared)) == PROCESSES * SHARED_EVENTS
    for n in range(PROCESSES):
        mine = [text for text in shared if text.startswith(f"{n}:")]
        assert mine == [f"{n}:{index}" for index in range(0, OWN_EVENTS, OWN_EVENTS // SHARED_EVENTS)]
    store.close()
