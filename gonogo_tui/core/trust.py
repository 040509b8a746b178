"""Checklists from strangers: what a checklist will execute and where it sends which
variables, and whether the operator trusts it.

A checklist is code: its `command` probes run programs (`shell: true` ones through
/bin/sh), and its `${VAR}`s put the operator's environment into URLs, headers, bodies and
DSNs sent to hosts the checklist names. A checklist from a pull request must not do either
on first use unseen. `plan_checklist()` lists both; a plan **needs trust** when the
checklist runs a shell command, passes a secret to a command, or sends a secret to a host
outside the allow-list. A secret here is a variable declared `secret: true`, one whose name
says so (`is_sensitive_key`: TOKEN, PASSWORD, API_KEY...), or any variable whose value comes
from the environment rather than from the checklist's own defaults (a stranger's checklist
may read AWS_ACCESS_KEY_ID as well as anything else).

The allow-list and the trusted digests come from outside the checklist (a checklist cannot
vouch for itself): loopback hosts always, `--allow-host` and `GONOGO_ALLOW_HOSTS`; digests
of the checklists shipped with gonogo, those the operator accepted (recorded in the
evidence folder's `trusted-checklists.txt`), and `--trusted-digests FILE` (a file committed
for CI). A digest is the SHA-256 of the checklist file's bytes: any edit asks again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import ChecklistError, EvidenceError, GonogoError
from gonogo_tui.core.probes.command import shell_source
from gonogo_tui.core.redaction import is_sensitive_key

TRUSTED_FILE = "trusted-checklists.txt"
"""In the evidence folder: one accepted checklist digest per line (then its file name)."""
ALLOW_HOSTS_ENV = "GONOGO_ALLOW_HOSTS"
"""Hosts (comma or space separated, `*.example.com` for a domain) secrets may go to."""
SHIPPED_DIGESTS = frozenset(
    {
        # checklists/spark-trading.yaml (its `shell: true` sign-off check is gonogo's own)
        "c3901aa7eaa132c7b1114c9c86aa1eb63ec0dc0b99b3f956a0adcb96f2dfb20b",
    }
)
"""SHA-256 of the checklists shipped with gonogo: `gonogo demo` runs them unprompted.
tests/security/test_trust.py fails when a shipped checklist changes without this set."""

_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}")
_DESTINATION_FIELDS = ("url", "api_url", "dsn")
"""Probe fields naming where a network probe connects."""
_LOOPBACK_NAMES = frozenset({"localhost", "local socket"})
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class VariableUse:
    """A `${VAR}` of the checklist in one probe."""

    name: str
    fields: tuple[str, ...]
    """Where in the probe, e.g. `url`, `headers.Authorization`, `command[2]`."""
    why_secret: str | None
    """`declared secret`, `sensitive name`, `from the environment`; None: not a secret."""

    def describe(self) -> str:
        """`NAME (from the environment) in url, headers.X-Key`."""
        why = f" ({self.why_secret})" if self.why_secret else ""
        return f"{self.name}{why} in {', '.join(self.fields)}"


@dataclass(frozen=True)
class Execution:
    """A command probe: what runs."""

    criterion_id: str
    command: str
    """As every view shows it: `sh -c '...'` for a shell command, else the argv joined."""
    shell: bool
    secrets: tuple[VariableUse, ...]


@dataclass(frozen=True)
class Sending:
    """A network probe: where it connects and which variables go along."""

    criterion_id: str
    kind: str
    host: str
    allowed: bool
    variables: tuple[VariableUse, ...]

    @property
    def secrets(self) -> tuple[VariableUse, ...]:
        """The variables that are secrets."""
        return tuple(use for use in self.variables if use.why_secret)


@dataclass(frozen=True)
class TrustPlan:
    """What a checklist will do with the operator's machine and environment."""

    path: str
    digest: str
    executions: tuple[Execution, ...]
    sendings: tuple[Sending, ...]

    def risks(self) -> list[str]:
        """Why the plan needs trust, one phrase each (empty: it does not)."""
        found: list[str] = []
        for run in self.executions:
            if run.shell:
                found.append(f"runs the shell command {run.command} ({run.criterion_id})")
            for use in run.secrets:
                found.append(f"passes {use.describe()} to {run.command} ({run.criterion_id})")
        for sending in self.sendings:
            if sending.allowed:
                continue
            for use in sending.secrets:
                found.append(f"sends {use.describe()} to {sending.host} ({sending.criterion_id})")
        return found

    @property
    def needs_trust(self) -> bool:
        """Whether the checklist may only run once the operator trusts it."""
        return bool(self.risks())

    def lines(self) -> list[str]:
        """The plan as text for the trust screen: why asked, what runs, what goes where."""
        out = [f"{self.path}  sha256 {self.digest[:16]}…"]
        risks = self.risks()
        if risks:
            out.extend(["", "Asked because it:", *(f"  - {risk}" for risk in risks)])
        out.append("")
        if self.executions:
            out.append(f"Runs {len(self.executions)} command(s):")
            for run in self.executions:
                mark = "SHELL " if run.shell else ""
                out.append(f"  {mark}{run.command}  ({run.criterion_id})")
        else:
            out.append("Runs no command.")
        out.append("")
        if self.sendings:
            out.append(f"Connects to {len(self.sendings)} host(s):")
            for sending in self.sendings:
                mark = "" if sending.allowed else "OUTSIDE THE ALLOW-LIST "
                named = [use.describe() for use in sending.variables] or ["no variables"]
                out.append(
                    f"  {mark}{sending.host}  {sending.criterion_id} ({sending.kind}): "
                    + "; ".join(named)
                )
        else:
            out.append("Connects to no host.")
        return out

    def refusal(self) -> str:
        """The one-line error of a headless run that is not trusted."""
        return (
            f"{self.path} (sha256 {self.digest[:12]}) is not trusted: it "
            + "; it ".join(" ".join(risk.split()) for risk in self.risks())
            + ". Read it, then run again with --trust (or list its digest in a "
            "--trusted-digests file)"
        )


@dataclass(frozen=True)
class AllowList:
    """Hosts a checklist may send secrets to: loopback always, others named by the operator."""

    hosts: frozenset[str] = frozenset()

    @classmethod
    def from_sources(cls, named: Iterable[str], environ: Mapping[str, str]) -> AllowList:
        """`--allow-host` values plus those of GONOGO_ALLOW_HOSTS."""
        listed = re.split(r"[,\s]+", environ.get(ALLOW_HOSTS_ENV, ""))
        return cls(frozenset(h.strip().lower() for h in [*named, *listed] if h.strip()))

    def allows(self, host: str) -> bool:
        """Whether `host` is loopback, listed, or under a listed `*.domain`."""
        host = host.lower().strip("[]")
        if host in _LOOPBACK_NAMES or host.startswith("/"):
            return True
        try:
            if ipaddress.ip_address(host).is_loopback:
                return True
        except ValueError:
            pass
        return any(
            host == entry or (entry.startswith("*.") and host.endswith(entry[1:]))
            for entry in self.hosts
        )


def plan_checklist(
    checklist: Checklist, *, environ: Mapping[str, str], allow: AllowList
) -> TrustPlan:
    """What `checklist` (loaded with `environ`) executes and sends where.

    Commands are shown as written (`${VAR}`, not the value); hosts after substitution,
    with the checklist's secrets masked.

    Raises:
        ChecklistError: the file changed since it was loaded, or cannot be read again.
    """
    raw_probes = _raw_probes(checklist)
    redact = checklist.redactor
    executions: list[Execution] = []
    sendings: list[Sending] = []
    for index, (_, criterion) in enumerate(checklist.criteria()):
        probe = criterion.probe
        if probe is None:
            continue
        uses = _variable_uses(raw_probes[index], checklist, environ)
        if probe.kind == "command":
            shell = bool(getattr(probe, "shell", False))
            secrets = tuple(use for use in uses if use.why_secret)
            command = _as_written(raw_probes[index], shell) or redact(probe.source())
            executions.append(Execution(criterion.id, command, shell, secrets))
            continue
        destination = next(
            (getattr(probe, name) for name in _DESTINATION_FIELDS if hasattr(probe, name)), None
        )
        if isinstance(destination, str):
            for host in _hosts_of(destination, environ):
                sendings.append(Sending(criterion.id, probe.kind, host, allow.allows(host), uses))
    path = str(checklist.path) if checklist.path is not None else "checklist"
    return TrustPlan(path, checklist.sha256, tuple(executions), tuple(sendings))


def _raw_probes(checklist: Checklist) -> list[Any]:
    """Each criterion's probe as written, `${VAR}`s not yet substituted, in order."""
    if checklist.path is None:
        return [None for _ in checklist.criteria()]
    try:
        raw = checklist.path.read_bytes()
    except OSError as exc:
        raise ChecklistError(f"{checklist.path}: cannot read: {exc.strerror or exc}") from None
    if hashlib.sha256(raw).hexdigest() != checklist.sha256:
        raise ChecklistError(f"{checklist.path}: changed while gonogo was reading it")
    data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    probes = [
        criterion.get("probe") if isinstance(criterion, dict) else None
        for section in data.get("sections", [])
        for criterion in section.get("criteria", [])
    ]
    if len(probes) != sum(1 for _ in checklist.criteria()):
        raise ChecklistError(f"{checklist.path}: its criteria could not be read again")
    return probes


def _as_written(raw_probe: Any, shell: bool) -> str | None:
    """The command as the checklist writes it, shown as `CommandProbe.source` shows it."""
    command = raw_probe.get("command") if isinstance(raw_probe, dict) else None
    if shell and isinstance(command, str):
        return shell_source(command)
    if isinstance(command, list):
        return shlex.join(str(word) for word in command)
    return None


def _references(value: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _references(item, f"{at}.{key}" if at else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, f"{at}[{index}]")
    elif isinstance(value, str):
        for match in _VAR_RE.finditer(value):
            yield match.group(1), at


def _variable_uses(
    raw_probe: Any, checklist: Checklist, environ: Mapping[str, str]
) -> tuple[VariableUse, ...]:
    fields: dict[str, list[str]] = {}
    for name, at in _references(raw_probe, ""):
        if at not in fields.setdefault(name, []):
            fields[name].append(at)
    uses = []
    for name, where in fields.items():
        declared = checklist.variables.get(name)
        if declared is not None and declared.secret:
            why: str | None = "declared secret"
        elif is_sensitive_key(name):
            why = "sensitive name"
        elif environ.get(name):
            why = "from the environment"
        else:
            why = None
        uses.append(VariableUse(name, tuple(where), why))
    return tuple(uses)


def _hosts_of(destination: str, environ: Mapping[str, str]) -> list[str]:
    """The hosts a URL or a libpq DSN connects to."""
    if "://" in destination and not destination.startswith(("postgres://", "postgresql://")):
        return [urlsplit(destination).hostname or "(no host)"]
    from psycopg import Error as PsycopgError
    from psycopg.conninfo import conninfo_to_dict

    try:
        hosts = str(conninfo_to_dict(destination).get("host") or "")
    except PsycopgError:  # libpq cannot parse it: shown as such, never allowed
        return ["(unparsable DSN)"]
    hosts = hosts or environ.get("PGHOST", "")
    return [host or "local socket" for host in hosts.split(",")] or ["local socket"]


def trusted_digests(evidence_dir: Path, files: Iterable[Path] = ()) -> set[str]:
    """Digests trusted here: shipped, accepted in `evidence_dir`, and listed in `files`.

    Raises:
        GonogoError: a `--trusted-digests` file cannot be read or holds a line that is not
            a SHA-256 digest.
    """
    found = set(SHIPPED_DIGESTS)
    accepted = evidence_dir / TRUSTED_FILE
    if accepted.is_file():
        found |= _read_digests(accepted, strict=False)
    for path in files:
        found |= _read_digests(path, strict=True)
    return found


def _read_digests(path: Path, *, strict: bool) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise GonogoError(f"--trusted-digests {path}: cannot read: {reason}") from None
    digests = set()
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if _DIGEST_RE.match(words[0].lower()):
            digests.add(words[0].lower())
        elif strict:
            raise GonogoError(
                f"{path}:{number}: not a SHA-256 digest (64 hex digits, then an optional "
                "comment): " + shlex.quote(words[0][:80])
            )
    return digests


def record_trust(evidence_dir: Path, plan: TrustPlan) -> Path:
    """Append `plan`'s digest to the evidence folder's trusted-checklists.txt.

    Raises:
        EvidenceError: the file cannot be written.
    """
    path = evidence_dir / TRUSTED_FILE
    try:
        # The evidence folder's safe opening (core/files.py): never through a planted link.
        files.make_folder(evidence_dir)
        with files.open_append_text(path) as handle:
            handle.write(f"{plan.digest}  {Path(plan.path).name}\n")
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot record the trusted checklist: {exc}") from None
    return path


__all__ = [
    "ALLOW_HOSTS_ENV",
    "SHIPPED_DIGESTS",
    "TRUSTED_FILE",
    "AllowList",
    "Execution",
    "Sending",
    "TrustPlan",
    "VariableUse",
    "plan_checklist",
    "record_trust",
    "trusted_digests",
]
