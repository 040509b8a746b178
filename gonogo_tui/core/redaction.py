"""Find secrets in a checklist's values and redact them from every output."""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "***"
# Anchored on "://" (a literal the regex engine finds fast) rather than on the scheme: a
# leading `[a-z][a-z0-9+.-]*` backtracks quadratically over long runs of letters.
_URL_PASSWORD = re.compile(r"://[^:/@\s]{0,256}:([^@\s/]{1,512})@")
_HTTP_TOKEN_USER = re.compile(r"\bhttps?://([^:/@\s]{16,256})@", re.IGNORECASE)
"""A long user name with no password in a web URL is a token (`https://ghp_...@github.com`);
a database URL's bare user name (`postgresql://postgres@h`) is not."""
_KV_PASSWORD = re.compile(r"(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
_SENSITIVE_KEY_WORDS = (
    "authorization",
    "token",
    "api-key",
    "api_key",
    "apikey",
    "password",
    "secret",
    "cookie",
)
MIN_SECRET_LENGTH = 3
"""Shorter values are never hidden: masking every `ab` would hide half of every text."""
_MIN_SECRET_LENGTH = MIN_SECRET_LENGTH
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_BASE64_RUN_CHAR = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
_BASE64_SKIP = (0, 2, 3)
"""Leading characters of the base64 of (`offset` zero bytes + secret) that mix in those bytes."""
_ELLIPSIS = "…"
"""What `one_line` and `excerpt` put where they cut a text."""
_MAX_CUTS_CHECKED = 64
_URL_SAFE_SETS = ("", "/", ":@", "!'()*", "!$&'()*+,;=:", "!$&'()*+,;=:@/", "!$&'()*+,;=:@/?[]")
"""Characters left as they are by common URL encoders: everything encoded; paths; JavaScript's
encodeURIComponent; RFC 3986 user info, path segments and (httpx) query strings."""
_URLSAFE = str.maketrans("+/", "-_")
_FROM_URLSAFE = str.maketrans("-_", "+/")
_QUERY_PARAMETER = re.compile(r"[?&;]([^=&#;\s]{1,64})=([^&#;\s]{1,512})")


def secrets_in_text(text: str) -> set[str]:
    """Passwords inside DSNs and URLs (`postgresql://u:PASS@h`, `password=PASS`), a token
    as a web URL's user name (`https://TOKEN@h`), and URL query parameters that name a
    credential (`?access_token=T`, `&api_key=K`)."""
    found = {match.group(1) for match in _URL_PASSWORD.finditer(text)}
    found |= {match.group(1) for match in _HTTP_TOKEN_USER.finditer(text)}
    for match in _KV_PASSWORD.finditer(text):
        found.add(match.group(1).strip("'"))
    if "=" in text and ("?" in text or "&" in text):
        for match in _QUERY_PARAMETER.finditer(text):
            if is_sensitive_key(match.group(1)):
                found.add(match.group(2))
    return found


def is_sensitive_key(key: str) -> bool:
    """Whether a mapping key (header name, env var) names a secret value."""
    lowered = key.lower()
    return any(word in lowered for word in _SENSITIVE_KEY_WORDS)


def secrets_of_header_value(value: str) -> set[str]:
    """The whole value plus the credential after a scheme (`Bearer abc` -> `abc`)."""
    found = {value}
    parts = value.split(None, 1)
    if len(parts) == 2:
        found.add(parts[1])
    return found


class Redactor:
    """Replaces known secret strings, and their common encodings, with `***`.

    Each secret is also hidden percent-encoded, JSON- and repr-escaped and HTML-escaped,
    and inside any base64 text that decodes to bytes holding it (`Basic` credentials built
    from `user:secret`). One alternation regex finds them all, so a text is scanned once
    whatever the number of secrets; base64 text is decoded only where the characters that
    depend on a secret alone appear.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        usable = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        self._secrets = tuple(sorted(usable, key=len, reverse=True))
        forms = set().union(*(_encodings(s) for s in usable)) if usable else set()
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self._forms)) if self._forms else None
        )
        cores = set().union(*(_base64_cores(s) for s in usable)) if usable else set()
        self._cores = (
            re.compile("|".join(re.escape(c) for c in sorted(cores, key=len, reverse=True)))
            if cores
            else None
        )
        self._secret_bytes = tuple(s.encode("utf-8") for s in self._secrets)
        self._merged: dict[frozenset[str], Redactor] = {}

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secrets this redactor hides, longest first."""
        return self._secrets

    @property
    def longest(self) -> int:
        """Characters in the longest written form of a secret (0 when there is none)."""
        return len(self._forms[0]) if self._forms else 0

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced, and DSN passwords masked."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        if self._cores is not None:
            text = self._mask_base64(text)
        if self._forms and _ELLIPSIS in text:
            text = self._mask_cut_starts(text)
        return _URL_PASSWORD.sub(_mask_url_password, text)

    def excerpt(self, text: str, limit: int) -> str:
        """Redact, then cut to one line of at most `limit` characters.

        Cutting first could leave a secret's first characters behind, which the redactor
        no longer recognises; every shortened text that may hold a secret goes through here.
        """
        flat = " ".join(self(text).split())
        return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"

    def merged(self, other: Iterable[str]) -> Redactor:
        """A redactor that also hides `other` (built once per distinct set)."""
        extra = frozenset(s for s in other if len(s) >= _MIN_SECRET_LENGTH) - set(self._secrets)
        if not extra:
            return self
        cached = self._merged.get(extra)
        if cached is None:
            cached = Redactor((*self._secrets, *extra))
            if len(self._merged) < 256:
                self._merged[extra] = cached
        return cached

    def _mask_base64(self, text: str) -> str:
        assert self._cores is not None
        spans: list[tuple[int, int]] = []
        position = 0
        for match in self._cores.finditer(text):
            if match.start() < position:
                continue
            start, end = match.start(), match.end()
            while start > 0 and text[start - 1] in _BASE64_RUN_CHAR:
                start -= 1
            while end < len(text) and text[end] in _BASE64_RUN_CHAR:
                end += 1
            letters_end = end
            while end < len(text) and text[end] == "=" and end - letters_end < 2:
                end += 1
            position = end
            if self._decodes_to_secret(text[start:end]):
                spans.append((start, end))
        if not spans:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces += [text[last:start], REDACTED]
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def _mask_cut_starts(self, text: str) -> str:
        """Mask the start of a secret (3 characters or more) that a text cut short with
        `…` ends with: a probe that shortened a server's answer before this redactor saw
        it left no whole secret to find."""
        pieces: list[str] = []
        last = 0
        for count, cut in enumerate(re.finditer(_ELLIPSIS, text)):
            if count >= _MAX_CUTS_CHECKED:
                break
            end = cut.start()
            if end > last and text[end - 1] in " \n":
                end -= 1  # a marker on a line of its own (`… [N bytes not kept] …`)
            kept = self._cut_secret_length(text, last, end)
            if kept:
                pieces += [text[last : end - kept], REDACTED]
                last = end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def _cut_secret_length(self, text: str, start: int, end: int) -> int:
        """Characters before `end` that are the first ones of some secret's form (0: none)."""
        if end - start < _MIN_SECRET_LENGTH:
            return 0
        tail = text[end - _MIN_SECRET_LENGTH : end]
        longest = 0
        for form in self._forms:
            at = form.find(tail)
            while at != -1:
                kept = at + _MIN_SECRET_LENGTH
                if (
                    kept > longest
                    and end - kept >= start
                    and text.startswith(form[:kept], end - kept)
                ):
                    longest = kept
                at = form.find(tail, at + 1)
        return longest

    def _decodes_to_secret(self, run: str) -> bool:
        letters = run.rstrip("=").translate(_FROM_URLSAFE)
        for skip in range(4):
            chunk = letters[skip:]
            chunk = chunk[: len(chunk) - len(chunk) % 4 if len(chunk) % 4 == 1 else len(chunk)]
            try:
                decoded = base64.b64decode(chunk + "=" * (-len(chunk) % 4))
            except ValueError:
                continue
            if any(secret in decoded for secret in self._secret_bytes):
                return True
        return False


def _encodings(secret: str) -> set[str]:
    """The secret as it may be written elsewhere: percent-encoded in a URL (upper- and
    lower-case hex, `+` for spaces), escaped in JSON (ASCII-only or not), in a Python
    repr, and HTML-escaped. Base64 is found by decoding instead (see `_base64_cores`)."""
    forms = {secret, html.escape(secret, quote=True), html.escape(secret, quote=False)}
    for safe in _URL_SAFE_SETS:
        quoted = quote(secret, safe=safe)
        forms.add(quoted)
        forms.add(_PERCENT.sub(lambda m: m.group(0).lower(), quoted))
    forms.add(quote_plus(secret, safe=""))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(repr(secret)[1:-1])
    forms.add(repr(secret)[1:-1].replace('"', '\\"'))
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


def _base64_cores(secret: str) -> set[str]:
    """The base64 characters that depend only on the secret, at each of the three byte
    alignments it can have inside a longer encoded text, in both base64 alphabets."""
    data = secret.encode("utf-8")
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        whole, rest = divmod(offset + len(data), 3)
        core = encoded[_BASE64_SKIP[offset] : whole * 4 + rest]
        if len(core) >= 2:
            cores.add(core)
            cores.add(core.translate(_URLSAFE))
    return cores


def _mask_url_password(match: re.Match[str]) -> str:
    whole = match.group(0)
    start, end = match.span(1)
    offset = match.start(0)
    return whole[: start - offset] + REDACTED + whole[end - offset :]


class RedactingFilter(logging.Filter):
    """A log handler filter that passes every record with its secrets replaced.

    Libraries log what they send (httpx: `HTTP Request: GET <url>` at INFO, shown with
    `-v`), and a URL may hold a token the checklist substituted into it.
    """

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "RedactingFilter",
    "Redactor",
    "is_sensitive_key",
    "secrets_in_text",
    "secrets_of_header_value",
]
