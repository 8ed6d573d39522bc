import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.links import MAX_LENGTH, LinkSigner

SIGNER = LinkSigner(b"test-secret")
TELEGRAM_START = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")

references = st.builds(lambda year, seq: f"KCN-{year}-{seq:04d}", st.integers(2000, 9999), st.integers(0, 99999))
epochs = st.integers(0, 10**12)


def test_round_trip():
    token = SIGNER.token("KCN-2026-0042", 0)
    assert token.startswith("KCN-2026-0042-0-")
    assert SIGNER.read(token) == ("KCN-2026-0042", 0)
    assert SIGNER.read(SIGNER.token("KCN-2026-0042", 7)) == ("KCN-2026-0042", 7)


def test_tokens_differ_by_reference_and_epoch():
    tokens = {SIGNER.token(r, e) for r in ("KCN-2026-0042", "KCN-2026-0043") for e in (0, 1)}
    assert len(tokens) == 4


def test_link():
    token = SIGNER.token("KCN-2026-0042", 3)
    assert SIGNER.link("kcity_desk_bot", token) == f"https://t.me/kcity_desk_bot?start={token}"
    assert SIGNER.link("@kcity_desk_bot", token) == f"https://t.me/kcity_desk_bot?start={token}"
    with pytest.raises(ValueError):
        SIGNER.link("kcity desk", token)
    with pytest.raises(ValueError):
        SIGNER.link("kcity_desk_bot", "not a token!")


def _flip(char: str) -> str:
    return "B" if char == "A" else "A"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-1] + _flip(t[-1]), id="last signature character changed"),
        pytest.param(lambda t: t[:-1], id="truncated"),
        pytest.param(lambda t: t + "A", id="extended"),
        pytest.param(lambda t: t.replace("-0042-", "-0043-"), id="other reference, same signature"),
        pytest.param(lambda t: t.replace("-0042-3-", "-0042-4-"), id="other epoch, same signature"),
        pytest.param(lambda t: t.replace("-0042-3-", "-0042-03-"), id="epoch with a leading zero"),
        pytest.param(lambda t: t.replace("KCN", "kcn"), id="lower-case reference"),
        pytest.param(lambda t: t.replace("KCN", "KC.N"), id="character outside Telegram's set"),
        pytest.param(lambda t: t + " ", id="trailing space"),
        pytest.param(lambda t: t + "\n", id="trailing newline"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: t.rsplit("-", 1)[0], id="no signature"),
    ],
)
def test_mangled_tokens_are_refused(mangle):
    token = SIGNER.token("KCN-2026-0042", 3)
    assert SIGNER.read(mangle(token)) is None


def test_other_secret_refused():
    assert LinkSigner(b"other-secret").read(SIGNER.token("KCN-2026-0042", 0)) is None


def test_signature_of_one_reference_does_not_fit_another():
    genuine = SIGNER.token("KCN-2026-0042", 0)
    signature = genuine[-22:]
    assert SIGNER.read(f"KCN-2026-0043-0-{signature}") is None


def test_over_64_characters_refused():
    long_reference = "KCN-" + "9" * 40
    with pytest.raises(ValueError):
        SIGNER.token(long_reference, 0)
    # even a well-formed, correctly signed string is refused past Telegram's limit
    long_token = f"{long_reference}-0-{SIGNER._sign(long_reference, '0')}"
    assert len(long_token) > MAX_LENGTH
    assert SIGNER.read(long_token) is None


@pytest.mark.parametrize("value", [None, 42, b"KCN-2026-0042-0-AAAAAAAAAAAAAAAAAAAAAA", ["x"]])
def test_non_strings_refused(value):
    assert SIGNER.read(value) is None


@pytest.mark.parametrize(
    ("reference", "epoch"),
    [
        ("KCN-2026-0042", -1),
        ("KCN-2026-0042", True),
        ("KCN-2026-0042", 1.0),
        ("kcn-2026-0042", 0),
        ("KCN_2026", 0),
        ("", 0),
        ("KCN--1", 0),
        ("KCN-2026-0042-", 0),
    ],
)
def test_bad_inputs_make_no_token(reference, epoch):
    with pytest.raises(ValueError):
        SIGNER.token(reference, epoch)


def test_empty_secret_refused():
    with pytest.raises(ValueError):
        LinkSigner(b"")


@given(references, epochs)
def test_property_round_trip_and_telegram_charset(reference, epoch):
    token = SIGNER.token(reference, epoch)
    assert TELEGRAM_START.match(token)
    assert len(token) <= MAX_LENGTH
    assert SIGNER.read(token) == (reference, epoch)


@given(st.text(max_size=80))
def test_property_random_text_refused(text):
    assert SIGNER.read(text) is None


@given(st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True))
def test_property_random_start_parameters_refused(text):
    assert SIGNER.read(text) is None


@given(references, epochs, st.data())
def test_property_any_single_character_change_refused(reference, epoch, data):
    token = SIGNER.token(reference, epoch)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-").filter(
            lambda c: c != token[position]
        )
    )
    changed = token[:position] + replacement + token[position + 1 :]
    assert SIGNER.read(changed) is None
