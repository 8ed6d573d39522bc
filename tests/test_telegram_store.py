import pytest

from bot.links import LinkSigner
from store.applications import create_application
from store.db import open_store
from store.events import events_for
from store.telegram import (
    bind_chat,
    bound_application,
    chat_language,
    chats_for_application,
    is_blocked,
    link_epoch,
    mark_blocked,
    mark_unblocked,
    redeem_link,
    revoke_links,
    set_chat_language,
    unbind_chat,
)

AT = "2026-03-01T10:00:00+00:00"
LATER = "2026-03-02T10:00:00+00:00"
SIGNER = LinkSigner(b"test-secret")
ALICE, BOB, MALLORY = 1001, 1002, 6666


@pytest.fixture
def db(tmp_path):
    return open_store(tmp_path / "k.db")


def _application(db, sender="ana@cusco.gob.pe"):
    return create_application(
        db, year=2026, status="complete", fields={}, problems=[], eligibility={}, language="en", sender=sender, at=AT
    )


def _kinds(db, application_id):
    return [event["kind"] for event in events_for(db, application_id)]


def test_new_application_starts_at_epoch_zero(db):
    app = _application(db)
    assert link_epoch(db, app.reference) == 0
    assert link_epoch(db, app.reference.lower()) == 0
    assert link_epoch(db, "KCN-1999-0001") is None


def test_redeem_valid_token_binds_the_chat(db):
    app = _application(db)
    row = redeem_link(db, SIGNER, SIGNER.token(app.reference, 0), ALICE, at=AT)
    assert row is not None and row["id"] == app.id and row["reference"] == app.reference
    assert bound_application(db, ALICE)["id"] == app.id
    assert chats_for_application(db, app.id) == [ALICE]
    chat_bound = [e for e in events_for(db, app.id) if e["kind"] == "chat_bound"]
    assert len(chat_bound) == 1 and chat_bound[0]["detail"] == {"chat_id": ALICE}
    # nothing secret is kept: the token appears in no row of any table
    token = SIGNER.token(app.reference, 0)
    for table in ("telegram_chats", "events"):
        assert all(token not in str(row) for row in db[table].rows)


def test_redeeming_twice_is_idempotent(db):
    app = _application(db)
    token = SIGNER.token(app.reference, 0)
    assert redeem_link(db, SIGNER, token, ALICE, at=AT)
    assert redeem_link(db, SIGNER, token, ALICE, at=LATER)
    assert _kinds(db, app.id).count("chat_bound") == 1
    assert db["telegram_chats"].get(ALICE)["bound_at"] == AT


def test_one_link_may_bind_several_chats(db):
    app = _application(db)
    token = SIGNER.token(app.reference, 0)
    assert redeem_link(db, SIGNER, token, ALICE, at=AT)
    assert redeem_link(db, SIGNER, token, BOB, at=AT)
    assert chats_for_application(db, app.id) == [ALICE, BOB]


def test_forged_or_other_token_gets_nothing(db):
    mine = _application(db)
    other = _application(db, sender="someone@else.org")
    genuine = SIGNER.token(mine.reference, 0)
    forged = [
        LinkSigner(b"guessed-secret").token(mine.reference, 0),  # right shape, wrong secret
        genuine.replace(mine.reference, other.reference),  # my signature on another reference
        f"{mine.reference}-0-" + "A" * 22,
        mine.reference,
        "",
        "KCN-2026-0042-0-" + genuine[-22:],
    ]
    for token in forged:
        assert redeem_link(db, SIGNER, token, MALLORY, at=AT) is None
    assert bound_application(db, MALLORY) is None
    # a genuine token for an application that does not exist
    assert redeem_link(db, SIGNER, SIGNER.token("KCN-2026-9999", 0), MALLORY, at=AT) is None
    # a genuine token for a *future* epoch (never issued) is refused too
    assert redeem_link(db, SIGNER, SIGNER.token(mine.reference, 1), MALLORY, at=AT) is None
    assert bound_application(db, MALLORY) is None
    assert db["telegram_chats"].count == 0


def test_token_for_another_application_binds_to_that_one_only(db):
    mine = _application(db)
    other = _application(db, sender="someone@else.org")
    row = redeem_link(db, SIGNER, SIGNER.token(other.reference, 0), BOB, at=AT)
    assert row["id"] == other.id
    assert chats_for_application(db, mine.id) == []


def test_revocation_unbinds_and_old_tokens_stop_working(db):
    app = _application(db)
    other = _application(db, sender="someone@else.org")
    old = SIGNER.token(app.reference, 0)
    redeem_link(db, SIGNER, old, ALICE, at=AT)
    redeem_link(db, SIGNER, old, BOB, at=AT)
    redeem_link(db, SIGNER, SIGNER.token(other.reference, 0), MALLORY, at=AT)

    assert revoke_links(db, app.reference, at=LATER, actor="staff:kim") == 1
    assert link_epoch(db, app.reference) == 1
    assert chats_for_application(db, app.id) == []
    assert bound_application(db, ALICE) is None and bound_application(db, BOB) is None
    assert bound_application(db, MALLORY)["id"] == other.id  # other applications untouched

    revoked = [e for e in events_for(db, app.id) if e["kind"] == "links_revoked"]
    assert revoked[0]["actor"] == "staff:kim" and revoked[0]["detail"] == {"epoch": 1, "chats_unbound": 2}

    assert redeem_link(db, SIGNER, old, ALICE, at=LATER) is None
    assert bound_application(db, ALICE) is None
    assert "link_refused" in _kinds(db, app.id)

    fresh = SIGNER.token(app.reference, link_epoch(db, app.reference))
    assert redeem_link(db, SIGNER, fresh, ALICE, at=LATER)["id"] == app.id
    assert chats_for_application(db, app.id) == [ALICE]


def test_revoking_unknown_reference_raises(db):
    with pytest.raises(LookupError):
        revoke_links(db, "KCN-2026-9999", at=AT, actor="staff")


def test_blocked_chats_are_excluded(db):
    app = _application(db)
    token = SIGNER.token(app.reference, 0)
    redeem_link(db, SIGNER, token, ALICE, at=AT)
    redeem_link(db, SIGNER, token, BOB, at=AT)
    mark_blocked(db, ALICE, at=LATER)
    assert is_blocked(db, ALICE) and not is_blocked(db, BOB)
    assert chats_for_application(db, app.id) == [BOB]
    assert bound_application(db, ALICE)["id"] == app.id  # still bound: only silenced
    mark_blocked(db, ALICE, at="2026-03-09T00:00:00+00:00")
    assert db["telegram_chats"].get(ALICE)["blocked_at"] == LATER  # the first time is kept
    mark_unblocked(db, ALICE)
    assert chats_for_application(db, app.id) == [ALICE, BOB]


def test_redeeming_again_after_blocking_unblocks(db):
    app = _application(db)
    token = SIGNER.token(app.reference, 0)
    redeem_link(db, SIGNER, token, ALICE, at=AT)
    mark_blocked(db, ALICE, at=LATER)
    assert redeem_link(db, SIGNER, token, ALICE, at=LATER)
    assert chats_for_application(db, app.id) == [ALICE]
    assert db["telegram_chats"].get(ALICE)["bound_at"] == AT


def test_mark_blocked_for_unknown_chat_creates_its_row(db):
    mark_blocked(db, MALLORY, at=AT)
    assert is_blocked(db, MALLORY) and bound_application(db, MALLORY) is None


def test_a_chat_follows_one_application_at_a_time(db):
    first = _application(db)
    second = _application(db, sender="ana@cusco.gob.pe")
    bind_chat(db, ALICE, first.id, at=AT)
    bind_chat(db, ALICE, second.id, at=LATER)
    assert bound_application(db, ALICE)["id"] == second.id
    assert chats_for_application(db, first.id) == []
    moved = [e for e in events_for(db, second.id) if e["kind"] == "chat_bound"]
    assert moved[0]["detail"] == {"chat_id": ALICE, "previous_application_id": first.id}


def test_unbind(db):
    app = _application(db)
    bind_chat(db, ALICE, app.id, at=AT)
    set_chat_language(db, ALICE, "ko")
    assert unbind_chat(db, ALICE, at=LATER, actor="telegram") is True
    assert unbind_chat(db, ALICE, at=LATER) is False
    assert bound_application(db, ALICE) is None
    assert chat_language(db, ALICE) == "ko"  # the chat's own settings survive
    assert "chat_unbound" in _kinds(db, app.id)


def test_chat_language(db):
    assert chat_language(db, ALICE) is None
    set_chat_language(db, ALICE, "es")
    set_chat_language(db, ALICE, "fr")
    assert chat_language(db, ALICE) == "fr"
    app = _application(db)
    bind_chat(db, ALICE, app.id, at=AT)
    assert chat_language(db, ALICE) == "fr"  # binding keeps the language


def test_failed_redemption_leaves_no_transaction_open(db):
    app = _application(db)
    revoke_links(db, app.reference, at=AT, actor="staff")
    assert redeem_link(db, SIGNER, SIGNER.token(app.reference, 0), ALICE, at=AT) is None
    assert not db.conn.in_transaction
