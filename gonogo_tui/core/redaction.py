"""Find secrets in a checklist's values and redact them from every output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

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
_MIN_SECRET_LENGTH = 3
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
    """Replaces known secret strings with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        usable = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        self._secrets = tuple(sorted(usable, key=len, reverse=True))
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self._secrets)) if self._secrets else None
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secrets this redactor hides, longest first."""
        return self._secrets

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced, and DSN passwords masked."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return _URL_PASSWORD.sub(_mask_url_password, text)

    def merged(self, other: Iterable[str]) -> Redactor:
        """A redactor that also hides `other`."""
        return Redactor((*self._secrets, *other))


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
    "REDACTED",
    "RedactingFilter",
    "Redactor",
    "is_sensitive_key",
    "secrets_in_text",
    "secrets_of_header_value",
]
