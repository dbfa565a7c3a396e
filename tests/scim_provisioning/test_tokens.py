"""scim_provisioning.tokens: pure functions, no database."""

import base64
import hashlib
import json
import string

import pytest

from scim_provisioning import tokens

PREFIX = "vxpscim_"


def test_generate_has_the_prefix_and_a_43_character_url_safe_body():
    raw = tokens.generate(PREFIX)
    assert raw.startswith(PREFIX)
    body = raw[len(PREFIX):]
    assert len(body) == 43
    assert set(body) <= set(string.ascii_letters + string.digits + "-_")


def test_generate_body_carries_256_bits():
    body = tokens.generate(PREFIX)[len(PREFIX):]
    assert len(base64.urlsafe_b64decode(body + "=")) == 32


def test_generate_never_repeats():
    assert len({tokens.generate(PREFIX) for _ in range(1000)}) == 1000


def test_generated_tokens_are_well_formed():
    assert tokens.is_well_formed(tokens.generate(PREFIX), PREFIX)
    assert tokens.is_well_formed(tokens.generate("other_"), "other_")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        PREFIX,
        "a" * 51,  # right length, no prefix
        "VXPSCIM_" + "a" * 43,  # the prefix is case-sensitive
        "other_" + "a" * 43,
        PREFIX + "a" * 42,  # one short
        PREFIX + "a" * 44,  # one long
        PREFIX + "a" * 42 + "=",  # padding is not part of the alphabet
        PREFIX + "a" * 42 + " ",
        PREFIX + "a" * 42 + "\n",
        PREFIX + "a" * 42 + "\x00",
        PREFIX + "a" * 42 + "é",
        PREFIX + "a" * 42 + "+",
        " " + PREFIX + "a" * 43,
        "Bearer " + PREFIX + "a" * 43,
    ],
)
def test_is_well_formed_rejects(raw):
    assert not tokens.is_well_formed(raw, PREFIX)


def test_digest_is_sha256_hex_of_the_whole_token():
    raw = tokens.generate(PREFIX)
    assert tokens.digest(raw) == hashlib.sha256(raw.encode()).hexdigest()
    assert len(tokens.digest(raw)) == 64
    assert tokens.digest(raw) != tokens.digest(tokens.generate(PREFIX))


def test_hint_shows_the_prefix_and_only_the_last_four_characters():
    raw = PREFIX + "A" * 39 + "wxyz"
    assert tokens.hint(raw, PREFIX) == "vxpscim_…wxyz"
    assert "A" not in tokens.hint(raw, PREFIX)


def test_digests_match():
    raw = tokens.generate(PREFIX)
    assert tokens.digests_match(tokens.digest(raw), tokens.digest(raw))
    assert not tokens.digests_match(tokens.digest(raw), tokens.digest(raw + "x"))


def test_generated_token_hides_itself_from_repr_only():
    raw = tokens.generate(PREFIX)
    body = raw[len(PREFIX):]
    assert body not in repr(raw) and body not in repr({"context": [raw]})
    assert body not in f"{raw!r}"
    assert str(raw) == raw and f"{raw}" == raw and raw.startswith(PREFIX)
    assert json.dumps({"token": raw}) == json.dumps({"token": str(raw)})
    assert tokens.digest(raw) == tokens.digest(str(raw))
