"""The Redactor's encodings, alignments and cut texts, one case at a time."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from gonogo_tui.core.redaction import Redactor
from tests.security.leaks import leaks


@pytest.mark.parametrize("secret", ["Q7z", "Q7zk", 'p@ss w0rd/"é', "x" * 200])
@pytest.mark.parametrize("before", ["", "u", "us", "user:"])
@pytest.mark.parametrize("after", ["", "!", "!!"])
def test_base64_of_a_secret_is_hidden_at_every_alignment(
    secret: str, before: str, after: str
) -> None:
    redact = Redactor([secret])
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        word = encode((before + secret + after).encode()).decode()
        shown = redact(f"Authorization: Basic {word}; next")
        assert shown == "Authorization: Basic ***; next"


@pytest.mark.parametrize("secret", ["Q7z", 'k/X+9&w"m=R~p!Jv4 é'])
def test_written_forms_are_hidden(secret: str) -> None:
    redact = Redactor([secret])
    forms = [
        secret,
        quote(secret, safe=""),
        quote(secret, safe="!$&'()*+,;=:@/?[]"),
        quote(secret, safe="").lower(),
        json.dumps(secret),
        json.dumps(secret, ensure_ascii=False),
        repr(secret),
    ]
    for form in forms:
        shown = redact(f"[{form}]")
        assert not leaks(shown, secret), (form, shown)


def test_plain_text_is_left_alone() -> None:
    redact = Redactor(["Q7z", "zz9Plural"])
    text = "status 200 OK; body {'ok': true} took 12 ms … (cut) dGhpcyBpcyBiYXNlNjQ="
    assert redact(text) == text


def test_the_start_of_a_secret_before_a_cut_is_hidden() -> None:
    redact = Redactor(["Q7zmvJw9p9XRk4mv"])
    assert redact("token Q7zmvJw… and Q7z… and Q7… end") == "token ***… and ***… and Q7… end"
    assert redact("head Q7zmvJw9\n… [9 bytes not kept] …\ntail") == (
        "head ***\n… [9 bytes not kept] …\ntail"
    )


def test_excerpt_redacts_before_it_cuts() -> None:
    secret = "A1b2C3d4" * 12
    redact = Redactor([secret])
    shown = redact.excerpt(f"header value {secret!r}", 40)
    assert shown == "header value '***'"
    assert redact.excerpt(f"{'x' * 50} {secret}", 20) == "x" * 19 + "…"


def test_secrets_shorter_than_3_characters_are_never_hidden() -> None:
    assert Redactor(["ab", "c"])("abc c ab") == "abc c ab"
