"""git/OpenSSH `allowed_signers` files: who may sign, with which key, in which namespace and when.

Each line is `principals [options] keytype base64 [comment]` (ssh-keygen(1), ALLOWED
SIGNERS). `principals` is an OpenSSH pattern-list (`*`, `?`, `!negation`); options are
`namespaces="..."`, `valid-after="..."` and `valid-before="..."` (values in double quotes;
times `YYYYMMDD[HHMM[SS]]`, UTC with a trailing `Z`, local time without, exactly as
ssh-keygen reads them). A `cert-authority`
line, an unknown option or an unsupported key type makes that line unusable: the error is
reported when a signature's principal matches the line, as ssh-keygen does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.clock import format_utc
from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing.sshkeys import (
    KNOWN_UNSUPPORTED_KEY_TYPES,
    SUPPORTED_KEY_TYPES,
    SshPublicKey,
    parse_public_key_line,
)

MAX_FILE_SIZE = 1024 * 1024
_TIME_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


def match_pattern(text: str, pattern: str) -> bool:
    """OpenSSH `match_pattern`: `*` matches any run, `?` one character; case-sensitive."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def match_pattern_list(text: str, pattern_list: str) -> int:
    """OpenSSH `match_pattern_list`: 1 on a match, -1 on a negated match, 0 otherwise."""
    matched = 0
    for pattern in pattern_list.split(","):
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body and match_pattern(text, body):
            if negated:
                return -1
            matched = 1
    return matched


def parse_ssh_time(text: str) -> datetime:
    """Parse ssh-keygen's absolute time: `YYYYMMDD[HHMM[SS]]`, `Z`/`UTC` suffix for UTC.

    Raises:
        ValueError: the text is not such a time.
    """
    utc = False
    body = text
    if body[-1:] in ("Z", "z"):
        utc, body = True, body[:-1]
    elif body[-3:].upper() == "UTC":
        utc, body = True, body[:-3]
    fmt = _TIME_FORMATS.get(len(body))
    if fmt is None or not body.isdigit():
        raise ValueError(f"{text!r} is not YYYYMMDD[HHMM[SS]][Z]")
    naive = datetime.strptime(body, fmt)
    # Without Z, ssh-keygen reads the time in the verifier's local zone; so do we.
    return naive.replace(tzinfo=UTC) if utc else naive.astimezone(UTC)


def format_ssh_time(moment: datetime) -> str:
    """Render a time for `ssh-keygen -Overify-time=...` (UTC, with `Z`)."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


@dataclass(frozen=True)
class AllowedSigner:
    """One usable or unusable line of an allowed_signers file."""

    line_number: int
    """1-based line number, for messages."""
    principals: str
    """The principals pattern-list."""
    key: SshPublicKey | None = None
    """The trusted key, or None when the line is unusable."""
    namespaces: str | None = None
    """The `namespaces=` pattern-list, or None for any namespace."""
    valid_after: datetime | None = None
    """Not valid before this time (UTC)."""
    valid_before: datetime | None = None
    """Not valid after this time (UTC)."""
    error: str | None = None
    """Why gonogo cannot use this line, if it cannot."""


def _split_fields(line: str) -> list[str]:
    """Split on blanks outside double quotes; quotes stay in the tokens."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char in " \t" and not quoted:
            if current:
                fields.append("".join(current))
                current = []
            continue
        current.append(char)
    if quoted:
        raise ValueError("unterminated quote")
    if current:
        fields.append("".join(current))
    return fields


def _split_options(options: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in options:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str, *, required: bool = False) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if required or '"' in value:
        raise ValueError(f"value {value!r} must be in double quotes")
    return value


def _is_key_type(token: str) -> bool:
    return token in SUPPORTED_KEY_TYPES or token in KNOWN_UNSUPPORTED_KEY_TYPES


def _parse_options(line_number: int, principals: str, options: str) -> AllowedSigner:
    seen: set[str] = set()
    namespaces: str | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    for option in _split_options(options):
        name, has_value, raw_value = option.partition("=")
        name = name.lower()
        if name in seen:
            return AllowedSigner(line_number, principals, error=f"option {name} given twice")
        seen.add(name)
        if name == "cert-authority" and not has_value:
            return AllowedSigner(
                line_number, principals, error="cert-authority lines are not supported by gonogo"
            )
        if not has_value or name not in ("namespaces", "valid-after", "valid-before"):
            return AllowedSigner(line_number, principals, error=f"unknown option {option!r}")
        try:
            value = _unquote(raw_value, required=True)
            if name == "namespaces":
                namespaces = value
            elif name == "valid-after":
                valid_after = parse_ssh_time(value)
            else:
                valid_before = parse_ssh_time(value)
        except ValueError as exc:
            return AllowedSigner(line_number, principals, error=f"{name}: {exc}")
    if valid_after and valid_before and valid_before <= valid_after:
        return AllowedSigner(line_number, principals, error="valid-before is not after valid-after")
    return AllowedSigner(line_number, principals, None, namespaces, valid_after, valid_before)


def _parse_line(line_number: int, line: str, source: str) -> AllowedSigner | None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    try:
        fields = _split_fields(stripped)
    except ValueError as exc:
        raise SigningError(f"{source}:{line_number}: {exc}") from exc
    if len(fields) < 3:
        raise SigningError(f"{source}:{line_number}: expected principals, key type and key")
    try:
        principals = _unquote(fields[0])
    except ValueError as exc:
        raise SigningError(f"{source}:{line_number}: {exc}") from exc
    if _is_key_type(fields[1]):
        entry = AllowedSigner(line_number, principals)
        key_fields = fields[1:]
    else:
        entry = _parse_options(line_number, principals, fields[1])
        key_fields = fields[2:]
        if len(key_fields) < 2:
            raise SigningError(f"{source}:{line_number}: missing key")
    if entry.error is not None:
        return entry
    key_type = key_fields[0]
    if key_type in KNOWN_UNSUPPORTED_KEY_TYPES:
        return AllowedSigner(line_number, principals, error=f"{key_type} keys are not supported")
    if key_type not in SUPPORTED_KEY_TYPES:
        raise SigningError(f"{source}:{line_number}: unknown key type {key_type!r}")
    try:
        key = parse_public_key_line(f"{key_type} {key_fields[1]}")
    except SigningError as exc:
        return AllowedSigner(line_number, principals, error=str(exc))
    return AllowedSigner(
        line_number, principals, key, entry.namespaces, entry.valid_after, entry.valid_before
    )


@dataclass(frozen=True)
class AllowedSigners:
    """A parsed allowed_signers file: the trust root for approvals."""

    source: str
    """Where the lines came from, for messages."""
    entries: tuple[AllowedSigner, ...]
    """Every non-comment line, usable or not."""

    def check(
        self, key: SshPublicKey, principal: str, namespace: str, at: Iterable[datetime]
    ) -> AllowedSigner:
        """Find the line that lets `principal` sign in `namespace` with `key` at every time in `at`.

        Returns:
            The matching line.

        Raises:
            SigningError: naming why no line allows it (unknown principal, other key,
                namespace not permitted, not yet valid, expired, unusable line).
        """
        times = list(at)
        candidates = [e for e in self.entries if match_pattern_list(principal, e.principals) == 1]
        if not candidates:
            raise SigningError(f"{principal} is not listed in {self.source}")
        reasons: list[str] = []
        for entry in candidates:
            if entry.error is not None:
                reasons.append(f"{self.source}:{entry.line_number}: {entry.error}")
                continue
            if entry.key != key:
                continue
            problem = self._line_problem(entry, namespace, times)
            if problem is None:
                return entry
            reasons.append(f"{self.source}:{entry.line_number}: {problem}")
        if reasons:
            raise SigningError(f"key {key.fingerprint} of {principal}: {reasons[0]}")
        raise SigningError(
            f"key {key.fingerprint} is not an allowed key for {principal} in {self.source}"
        )

    @staticmethod
    def _line_problem(entry: AllowedSigner, namespace: str, times: list[datetime]) -> str | None:
        if entry.namespaces is not None and match_pattern_list(namespace, entry.namespaces) != 1:
            return f"key is not permitted for namespace {namespace!r}"
        for moment in times:
            stamp = format_utc(moment)
            if entry.valid_after is not None and moment < entry.valid_after:
                return f"key is not yet valid at {stamp} (valid-after)"
            if entry.valid_before is not None and moment > entry.valid_before:
                return f"key has expired: not valid at {stamp} (valid-before)"
        return None


def parse_allowed_signers(text: str, *, source: str = "allowed_signers") -> AllowedSigners:
    """Parse the text of an allowed_signers file.

    Raises:
        SigningError: a line is malformed beyond what ssh-keygen would tolerate.
    """
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = _parse_line(number, line, source)
        if entry is not None:
            entries.append(entry)
    return AllowedSigners(source, tuple(entries))


def load_allowed_signers(path: Path) -> AllowedSigners:
    """Read and parse an allowed_signers file.

    Raises:
        SigningError: the file cannot be read or is malformed.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise SigningError(f"{path}: cannot read allowed_signers ({exc.strerror})") from exc
    if len(data) > MAX_FILE_SIZE:
        raise SigningError(f"{path}: allowed_signers file is too large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SigningError(f"{path}: allowed_signers is not UTF-8") from exc
    if text.startswith("\ufeff"):
        # ssh-keygen would read the mark as part of the first principal, which then
        # matches no one: say so instead of "not listed".
        raise SigningError(
            f"{path}:1: allowed_signers starts with a byte order mark; save it without one"
        )
    return parse_allowed_signers(text, source=str(path))
