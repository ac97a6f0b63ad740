"""The scenario library: shipped scenarios, drafts, versions, publishing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, select

from coach.catalogue import (
    DraftProblem,
    EditorBase,
    NotPublishable,
    draft_identity,
    import_shipped,
    publish,
    save_draft,
)
from coach.files import read_text
from coach.library import ScenarioLibrary
from coach.scenario import load_scenario, parse_scenario
from coach.storage import Conflict, NotFound, Role, User
from coach.storage import sql
from coach.storage.sql import SqlStore, engine_url, open_store
from tests.conftest import ROOT
from tests.storage.schema_v1 import VERSION_1, create_version_1

PASSWORD = "correct horse battery"
TEMPLATE = read_text(ROOT / "coach" / "scenario_template.yaml")
APA = ROOT / "scenarios" / "apa-citation-youtube.yaml"


@pytest.fixture(scope="module")
def shipped() -> ScenarioLibrary:
    return ScenarioLibrary()


@pytest.fixture
def trainer(store: SqlStore) -> User:
    return store.create_user("tina", "Tina", Role.TRAINER, PASSWORD)


@pytest.fixture
def other_trainer(store: SqlStore) -> User:
    return store.create_user("theo", "Theo", Role.TRAINER, PASSWORD)


def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# -- shipped scenarios -------------------------------------------------------------------


def test_shipped_scenarios_are_published_as_version_1_once(
    store: SqlStore, shipped: ScenarioLibrary, trainee: User, trainer: User
) -> None:
    import_shipped(store, shipped)
    import_shipped(store, shipped)  # a second start changes nothing
    published = store.published_scenario_versions(trainee)
    assert {v.scenario_id for v in published} == {loaded.scenario.id for loaded in shipped.playable()}
    assert [v.title for v in published] == sorted(v.title for v in published)
    assert {(v.number, v.author, v.note) for v in published} == {(1, None, "Shipped with the coach")}
    history = store.scenario_history(trainer, "apa-citation-youtube")
    assert [v.number for v in history.versions] == [1]
    assert [(p.version_number, p.by) for p in history.publications] == [(1, None)]


def test_a_shipped_text_played_before_the_library_existed_keeps_its_row(store: SqlStore, trainee: User) -> None:
    loaded = load_scenario(APA)
    played = store.save_scenario_version(loaded, loaded.text)
    assert played.number is None
    store.import_shipped_scenarios([loaded])
    [published] = store.published_scenario_versions(trainee)
    assert published.id == played.id and published.number == 1


def test_a_shipped_update_is_published_only_while_the_coach_is_in_charge(
    store: SqlStore, trainer: User, trainee: User
) -> None:
    first = load_scenario(APA)
    store.import_shipped_scenarios([first])
    update_text = edited(first.text, "patience: 180", "patience: 200")
    store.import_shipped_scenarios([parse_scenario(update_text, "apa.yaml")])
    [published] = store.published_scenario_versions(trainee)
    assert (published.number, published.text) == (2, update_text)

    # a trainer publishes their own version: later shipped updates wait in the history
    mine = store.save_scenario_draft(trainer, "apa-citation-youtube", "APA",
                                     edited(first.text, "patience: 180", "patience: 240"), "", base_number=2)
    store.publish_scenario_version(trainer, mine.version.id)
    store.import_shipped_scenarios([parse_scenario(edited(first.text, "patience: 180", "patience: 300"), "apa.yaml")])
    [published] = store.published_scenario_versions(trainee)
    assert published.number == 3
    assert [v.number for v in store.scenario_history(trainer, "apa-citation-youtube").versions] == [4, 3, 2, 1]


def test_a_withdrawn_shipped_scenario_stays_withdrawn(store: SqlStore, trainer: User, trainee: User) -> None:
    first = load_scenario(APA)
    store.import_shipped_scenarios([first])
    store.withdraw_scenario(trainer, "apa-citation-youtube")
    store.import_shipped_scenarios([parse_scenario(edited(first.text, "patience: 180", "patience: 200"), "a.yaml")])
    assert store.published_scenario_versions(trainee) == []


# -- drafts ------------------------------------------------------------------------------


def test_drafts_are_numbered_versions_with_author_and_note(store: SqlStore, trainer: User) -> None:
    saved = save_draft(store, trainer, TEMPLATE, "  first go  ", base=None)
    assert saved.created
    assert (saved.version.scenario_id, saved.version.number, saved.version.author, saved.version.note) == (
        "my-new-scenario", 1, "tina", "first go"
    )
    assert saved.version.title == "A patron asks why a hold has not arrived"
    again = save_draft(store, trainer, TEMPLATE, "same text", base=EditorBase("my-new-scenario", 1))
    assert not again.created and again.version == saved.version
    second = save_draft(store, trainer, TEMPLATE + "\n# clearer\n", "", base=EditorBase("my-new-scenario", 1))
    assert second.created and second.version.number == 2 and second.version.note is None
    [entry] = store.list_scenarios(trainer)
    assert (entry.latest.number, entry.published, entry.ever_published, entry.version_count) == (2, None, False, 2)


def test_an_invalid_draft_is_saved_and_filed_by_its_id(store: SqlStore, trainer: User) -> None:
    broken = edited(TEMPLATE, "status: available", "status: [unclosed")
    saved = save_draft(store, trainer, broken, "half done", base=None)
    assert (saved.version.scenario_id, saved.version.title) == ("my-new-scenario", "A patron asks why a hold has not arrived")
    assert store.scenario_history(trainer, "my-new-scenario").versions[0].text == broken


def test_draft_identity_reads_broken_yaml_by_its_lines() -> None:
    assert draft_identity('title: "Half done"\nid: half-done  # later\npatron: [\n') == ("half-done", "Half done")
    assert draft_identity("id: no-title\n") == ("no-title", "no-title")
    for nameless in ("title: no id\n", "id: Not A Slug\n", "- a list\n", "id: [1, 2]\n"):
        with pytest.raises(DraftProblem, match="id: my-scenario"):
            draft_identity(nameless)


def test_an_empty_or_oversized_draft_is_refused(store: SqlStore, trainer: User) -> None:
    with pytest.raises(DraftProblem, match="empty"):
        save_draft(store, trainer, " \n", "", None)
    with pytest.raises(DraftProblem, match="larger than"):
        save_draft(store, trainer, TEMPLATE + "#" * (1024 * 1024), "", None)


def test_a_stale_edit_is_a_conflict_naming_who_saved_since(
    store: SqlStore, trainer: User, other_trainer: User
) -> None:
    save_draft(store, trainer, TEMPLATE, "", None)
    save_draft(store, other_trainer, TEMPLATE + "\n# Theo's edit\n", "", EditorBase("my-new-scenario", 1))
    with pytest.raises(Conflict, match="Version 2 of 'my-new-scenario' was saved by theo .* after the version 1"):
        save_draft(store, trainer, TEMPLATE + "\n# Tina's edit\n", "", EditorBase("my-new-scenario", 1))
    # saving anyway: based on what is there now
    saved = save_draft(store, trainer, TEMPLATE + "\n# Tina's edit\n", "", EditorBase("my-new-scenario", 2))
    assert saved.version.number == 3


def test_a_new_scenario_cannot_take_an_existing_id(store: SqlStore, trainer: User) -> None:
    save_draft(store, trainer, TEMPLATE, "", None)
    with pytest.raises(Conflict, match="A scenario with the id 'my-new-scenario' exists already"):
        save_draft(store, trainer, TEMPLATE + "\n# a copy\n", "", None)
    # a copy opened from another scenario is a new scenario too
    with pytest.raises(Conflict, match="exists already"):
        save_draft(store, trainer, TEMPLATE + "\n# a copy\n", "", EditorBase("apa-citation-youtube", 1))
    renamed = edited(TEMPLATE, "id: my-new-scenario", "id: my-copy")
    assert save_draft(store, trainer, renamed, "", EditorBase("my-new-scenario", 1)).version.number == 1


def test_two_saves_racing_for_a_number_give_a_conflict(
    store: SqlStore, trainer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_draft(store, trainer, TEMPLATE, "", None)
    save_draft(store, trainer, TEMPLATE + "\n# 2\n", "", EditorBase("my-new-scenario", 1))
    # the other save committed between our look at the newest number and our insert
    monkeypatch.setattr(SqlStore, "_latest_number", staticmethod(lambda conn, scenario_id: 1))
    with pytest.raises(Conflict, match="at the same moment"):
        save_draft(store, trainer, TEMPLATE + "\n# 3\n", "", EditorBase("my-new-scenario", 1))


def test_a_draft_played_before_it_was_saved_keeps_its_row(store: SqlStore, trainer: User) -> None:
    loaded = parse_scenario(TEMPLATE, "draft.yaml")
    played = store.save_scenario_version(loaded, TEMPLATE)
    attempt_id = store.start_attempt(trainer, played, "practice")
    saved = save_draft(store, trainer, TEMPLATE, "", None)
    assert saved.created and saved.version.id == played.id and saved.version.number == 1
    assert store.load_attempt(trainer, attempt_id).summary.version_number == 1


# -- publishing --------------------------------------------------------------------------


def test_publishing_needs_a_valid_scenario_whose_ideal_scores_100(store: SqlStore, trainer: User) -> None:
    broken = save_draft(store, trainer, edited(TEMPLATE, "status: available", "status: asleep"), "", None)
    with pytest.raises(NotPublishable) as refused:
        publish(store, trainer, broken.version)
    assert refused.value.problems[0].startswith("line 20, column 13: 'status' must be one of")

    unscripted = TEMPLATE.split("\nscript:")[0] + "\n"
    saved = save_draft(store, trainer, unscripted, "", EditorBase("my-new-scenario", 1))
    with pytest.raises(NotPublishable, match="no `script`"):
        publish(store, trainer, saved.version)

    no_ideal = TEMPLATE.split("\nwalkthroughs:")[0] + "\n"
    saved = save_draft(store, trainer, no_ideal, "", EditorBase("my-new-scenario", 2))
    with pytest.raises(NotPublishable, match="no `ideal` walkthrough"):
        publish(store, trainer, saved.version)

    # an "ideal" that transfers without asking Casey first
    weak_ideal = edited(TEMPLATE, '    - {type: im, to: casey, text: "Hi Casey, can you take a Home Town patron with a hold '
                                  'stuck in transit?"}\n', "")
    saved = save_draft(store, trainer, weak_ideal, "", EditorBase("my-new-scenario", 3))
    with pytest.raises(NotPublishable, match=r"scores \d+(\.\d)?, not 100 \(it fails TR001\)"):
        publish(store, trainer, saved.version)
    assert store.scenario_history(trainer, "my-new-scenario").publications == ()


def test_publishing_a_version_makes_it_what_trainees_practise(store: SqlStore, trainer: User, trainee: User) -> None:
    first = save_draft(store, trainer, TEMPLATE, "", None).version
    publish(store, trainer, first)
    publish(store, trainer, first)  # again: no second log line
    assert [v.id for v in store.published_scenario_versions(trainee)] == [first.id]
    second = save_draft(store, trainer, TEMPLATE + "\n# v2\n", "", EditorBase("my-new-scenario", 1)).version
    assert [v.id for v in store.published_scenario_versions(trainee)] == [first.id], "a draft is not published"
    publish(store, trainer, second)
    assert [v.id for v in store.published_scenario_versions(trainee)] == [second.id]
    publish(store, trainer, first)  # back to version 1
    history = store.scenario_history(trainer, "my-new-scenario")
    assert [(p.version_number, p.by) for p in history.publications] == [(1, "tina"), (2, "tina"), (1, "tina")]
    assert history.published_number == 1


def test_withdrawing_hides_a_scenario_from_trainees_only(store: SqlStore, trainer: User, trainee: User) -> None:
    version = save_draft(store, trainer, TEMPLATE, "", None).version
    publish(store, trainer, version)
    store.withdraw_scenario(trainer, "my-new-scenario")
    store.withdraw_scenario(trainer, "my-new-scenario")  # again: nothing more to log
    assert store.published_scenario_versions(trainee) == []
    [entry] = store.list_scenarios(trainer)
    assert entry.published is None and entry.ever_published
    history = store.scenario_history(trainer, "my-new-scenario")
    assert [p.version_number for p in history.publications] == [1, None] and history.published_number is None
    with pytest.raises(NotFound):
        store.withdraw_scenario(trainer, "no-such-scenario")


def test_old_attempts_keep_the_version_they_were_played_on(store: SqlStore, trainer: User, trainee: User) -> None:
    first = save_draft(store, trainer, TEMPLATE, "", None).version
    publish(store, trainer, first)
    attempt_id = store.start_attempt(trainee, store.published_scenario_versions(trainee)[0], "practice")
    second_text = edited(TEMPLATE, "title: A patron asks why a hold has not arrived", "title: Where is my hold?")
    second = save_draft(store, trainer, second_text, "", EditorBase("my-new-scenario", 1)).version
    publish(store, trainer, second)
    stored = store.load_attempt(trainee, attempt_id)
    assert (stored.summary.version_number, stored.scenario_text) == (1, TEMPLATE)
    assert stored.summary.scenario_title == "A patron asks why a hold has not arrived"
    newer = store.start_attempt(trainee, store.published_scenario_versions(trainee)[0], "practice")
    assert store.load_attempt(trainee, newer).summary.version_number == 2
    assert store.scenario_history(trainer, "my-new-scenario").attempts_by_number == {1: 1, 2: 1}


# -- who may do what ---------------------------------------------------------------------


def test_trainees_see_only_what_is_published(store: SqlStore, trainer: User, trainee: User) -> None:
    version = save_draft(store, trainer, TEMPLATE, "", None).version
    assert store.published_scenario_versions(trainee) == []
    for forbidden in (
        lambda: store.list_scenarios(trainee),
        lambda: store.scenario_history(trainee, "my-new-scenario"),
        lambda: store.save_scenario_draft(trainee, "x", "x", "id: x\n", "", None),
        lambda: store.publish_scenario_version(trainee, version.id),
        lambda: store.withdraw_scenario(trainee, "my-new-scenario"),
    ):
        with pytest.raises(NotFound):
            forbidden()


def test_coordinators_edit_the_library_and_disabled_accounts_see_nothing(
    store: SqlStore, trainer: User, trainee: User
) -> None:
    coordinator = store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)
    version = save_draft(store, coordinator, TEMPLATE, "", None).version
    publish(store, coordinator, version)
    assert len(store.published_scenario_versions(trainee)) == 1
    store.set_disabled("tina", True)
    store.set_disabled("tara", True)
    assert store.published_scenario_versions(trainee) == []
    with pytest.raises(NotFound):
        store.list_scenarios(trainer)


def test_only_saved_versions_can_be_published(store: SqlStore, trainer: User) -> None:
    loaded = parse_scenario(TEMPLATE, "draft.yaml")
    played = store.save_scenario_version(loaded, TEMPLATE)  # played from the workbench, never saved
    with pytest.raises(NotFound):
        store.publish_scenario_version(trainer, played.id)
    with pytest.raises(NotFound):
        store.scenario_history(trainer, "my-new-scenario")


# -- upgrading a version-1 database --------------------------------------------------------


def test_a_version_1_database_gets_the_library_and_keeps_its_attempts(store_url: str) -> None:
    loaded = load_scenario(APA)
    v1 = VERSION_1.tables
    old = create_engine(engine_url(store_url))
    with old.begin() as conn:
        create_version_1(conn)
        user_id = conn.execute(insert(v1["users"]).values(
            username="tara", display_name="Tara", role="trainee", password_hash="x", disabled=False,
            created_at=datetime.now(UTC)).returning(v1["users"].c.id)).scalar_one()
        version_id = conn.execute(insert(v1["scenario_versions"]).values(
            scenario_id="apa-citation-youtube", content_hash=loaded.content_hash, title=loaded.scenario.title,
            text=loaded.text, created_at=datetime.now(UTC)).returning(v1["scenario_versions"].c.id)).scalar_one()
        conn.execute(insert(v1["attempts"]).values(
            id="a" * 32, owner_id=user_id, version_id=version_id, mode="practice", started_at=datetime.now(UTC)))
    old.dispose()

    upgraded = open_store(store_url)
    try:
        trainee = upgraded.get_user(user_id)
        assert upgraded.load_attempt(trainee, "a" * 32).summary.version_number is None
        upgraded.import_shipped_scenarios([loaded])  # what the app does next
        assert upgraded.load_attempt(trainee, "a" * 32).summary.version_number == 1
        assert [v.id for v in upgraded.published_scenario_versions(trainee)] == [version_id]
        with upgraded.engine.connect() as conn:
            assert conn.execute(select(sql.schema_version.c.version)).scalar_one() == sql.schema_head()
    finally:
        upgraded.close()
    # tests/storage/test_store.py checks that an upgraded database has a fresh one's schema
