"""Find a planted secret in a text in any encoding it could take: raw, percent-encoded,
JSON- and repr-escaped, HTML-escaped, and inside base64 (alone, in Basic `user:secret`
credentials, at any of the three byte alignments)."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from urllib.parse import quote, quote_plus

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")


def written_forms(secret: str) -> set[str]:
    """The secret as text may carry it, each at least 3 characters."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote(secret, safe=":@"),
        quote(secret, safe="!$&'()*+,;=:@/?[]"),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        base64.b64encode(secret.encode()).decode().rstrip("="),
        base64.b64encode(f"user:{secret}".encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
    }
    return {form for form in forms if len(form) >= 3}


def base64_cores(secret: str, minimum: int = 6) -> set[str]:
    """The base64 characters that depend on the secret alone, at each byte alignment.

    A 3-character secret gives cores of 3 or 4 characters, which random base64 (an SSH
    signature in a record) holds by chance; those are checked by decoding instead.
    """
    data = secret.encode()
    cores = set()
    for offset, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        whole, rest = divmod(offset + len(data), 3)
        core = encoded[skip : whole * 4 + rest]
        if len(core) >= minimum:
            cores.add(core)
    return cores


def decoded_base64_holds(text: str, secret: str) -> bool:
    """Whether any base64-looking run of `text`, decoded at any start, holds the secret."""
    needle = secret.encode()
    for match in _BASE64_RUN.finditer(text):
        letters = match.group(0).rstrip("=").replace("-", "+").replace("_", "/")
        for skip in range(4):
            chunk = letters[skip:]
            if len(chunk) % 4 == 1:
                chunk = chunk[:-1]
            try:
                if needle in base64.b64decode(chunk + "=" * (-len(chunk) % 4)):
                    return True
            except (binascii.Error, ValueError):
                continue
    return False


FRAGMENT = 10
"""Characters of a secret that count as a leak when they show together (a cut secret)."""


def fragments(secret: str) -> set[str]:
    """Every run of `FRAGMENT` characters of the secret (the whole of a shorter one)."""
    size = min(len(secret), FRAGMENT)
    return {secret[start : start + size] for start in range(len(secret) - size + 1)}


def leaks(text: str, secret: str) -> list[str]:
    """Every way `secret` shows in `text` (empty: it does not)."""
    found = [f"form {form!r}" for form in written_forms(secret) if form in text]
    found += [f"fragment {piece!r}" for piece in fragments(secret) if piece in text]
    found += [f"base64 core {core!r}" for core in base64_cores(secret) if core in text]
    if decoded_base64_holds(text, secret):
        found.append("inside decoded base64")
    return found
