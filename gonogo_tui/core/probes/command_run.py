"""Runs a `command` probe: a subprocess in its own session, output bounded, group killed after.

The child runs in a new session, so its process group holds it and everything it starts.
When it exits, times out or is cancelled, the whole group gets SIGKILL: a grandchild left
holding stdout can neither hang the probe nor outlive it. Output is read through a
protocol that keeps the first `HEAD_LIMIT` and last `TAIL_LIMIT` bytes of each stream and
only counts the rest, so a 200 MB writer neither blocks on a full pipe nor fills memory.
An `extract` regex that finds no number means the output cannot be measured: ERROR.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
from pathlib import Path

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.base import OUTPUT_CAP, Observation, ProbeContext, cap_text, one_line
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.command_found import blamed_file, missing_arguments
from gonogo_tui.core.probes.confined import excerpt
from gonogo_tui.core.probes.near_lines import describe_near
from gonogo_tui.core.probes.pattern_fit import NUMBER, line_suggestion, valued_lines
from gonogo_tui.core.redaction import Redactor

logger = logging.getLogger(__name__)

HEAD_LIMIT = 1024 * 1024
"""Bytes kept from the start of each stream (searched by the regexes)."""
TAIL_LIMIT = 64 * 1024
"""Bytes kept from the end of each stream (summaries often come last)."""
EXIT_GRACE = 0.5
"""Seconds to finish reading after the process exited and its group was killed."""
KILL_WAIT = 5.0
"""Seconds to wait for a killed process to be reaped before giving up on it."""
PASSTHROUGH_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
"""Variables a command inherits; anything else it needs is given in the probe's `env`."""


class _StreamBuffer:
    """The first HEAD_LIMIT and last TAIL_LIMIT bytes of a stream, and its total size."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = HEAD_LIMIT - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > 2 * TAIL_LIMIT:
                del self.tail[:-TAIL_LIMIT]

    @property
    def dropped(self) -> int:
        """Bytes seen but kept in neither head nor tail."""
        return self.total - len(self.head) - min(len(self.tail), TAIL_LIMIT)

    def text(self) -> str:
        """The kept bytes as text, with a marker where the middle was dropped."""
        head = self.head.decode("utf-8", errors="replace")
        tail = bytes(self.tail[-TAIL_LIMIT:]).decode("utf-8", errors="replace")
        if not tail:
            return head
        if self.dropped:
            return f"{head}\n… [{self.dropped} bytes not kept] …\n{tail}"
        return head + tail

    def render(self, limit: int, redact: Redactor) -> str:
        """At most about `limit` characters: the start, and the last lines when cut
        (redacted before it is cut, so a cut never leaves part of a secret)."""
        text = redact(self.text())
        if len(text) <= limit:
            return text
        marker = f"\n… [{self.total} bytes in all; middle not kept] …\n"
        end = text[-min(limit // 4, 4096) :]
        start = text[: max(limit - len(end) - len(marker), 0)]
        return f"{start}{marker}{end}"


class _CaptureProtocol(asyncio.SubprocessProtocol):
    """Collects stdout and stderr and signals exit (before the pipes close) and closure."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.streams = {1: _StreamBuffer(), 2: _StreamBuffer()}
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        self.streams[fd].feed(data.encode() if isinstance(data, str) else data)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def run_command_probe(spec: CommandProbe, ctx: ProbeContext) -> Observation:
    """Run the command and check its exit code and output.

    Args:
        spec: The probe as written in the checklist.
        ctx: Root folder (the default working directory).

    Returns:
        The observation: `exit N`, or the extracted number and its unit.

    Raises:
        ProbeError: the command or its working directory is missing, or `extract`
            found no number.
        OSError: the command could not be started for another reason.
    """
    if isinstance(spec.command, str):
        argv = ["/bin/sh", "-c", spec.command]
        logger.info("command probe runs through /bin/sh -c because the checklist says shell")
    else:
        argv = list(spec.command)
    cwd = ctx.resolve(spec.cwd) if spec.cwd else ctx.root
    if not cwd.is_dir():
        raise ProbeError(f"working directory not found: {cwd}")

    returncode, stdout, stderr = await _run(argv, cwd, {**base_environment(), **spec.env})
    observation = _evaluate(spec, returncode, stdout, stderr, ctx.redactor)
    observation = await missing_arguments(spec, ctx, cwd, observation)
    return await blamed_file(ctx, cwd, observation)


def base_environment() -> dict[str, str]:
    """The variables every command gets from gonogo's environment: `PASSTHROUGH_ENV`.

    Nothing else is inherited, so a token gonogo was started with (`GITHUB_TOKEN`) cannot
    reach a command that prints its environment; a probe's `env` names what it needs.
    """
    return {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}


async def _run(
    argv: list[str], cwd: Path, env: dict[str, str]
) -> tuple[int, _StreamBuffer, _StreamBuffer]:
    loop = asyncio.get_running_loop()
    starting = asyncio.ensure_future(
        loop.subprocess_exec(
            lambda: _CaptureProtocol(loop),
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    )
    try:
        # Shielded: cancelled while starting, asyncio would kill only the child and
        # leave what it already started (`sleep 30 &`) running for good.
        transport, protocol = await asyncio.shield(starting)
    except FileNotFoundError:
        raise ProbeError(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise ProbeError(f"command not executable: {argv[0]}") from None
    except asyncio.CancelledError:
        await _kill_started(starting)
        raise

    pid = transport.get_pid()
    try:
        await asyncio.shield(protocol.exited)
        # The group may still hold a grandchild that keeps the pipes open.
        _kill_group(pid)
        await asyncio.wait([protocol.closed], timeout=EXIT_GRACE)
        returncode = transport.get_returncode()
        assert returncode is not None
        return returncode, protocol.streams[1], protocol.streams[2]
    finally:
        try:
            if transport.get_returncode() is None:
                _kill_group(pid)
                await asyncio.wait([protocol.exited], timeout=KILL_WAIT)
        finally:
            transport.close()


async def _kill_started(
    starting: asyncio.Future[tuple[asyncio.SubprocessTransport, _CaptureProtocol]],
) -> None:
    """Once a start that was cancelled completes, kill the child's whole group."""
    try:
        transport, protocol = await starting
    except Exception:  # it did not start: nothing to kill
        return
    try:
        _kill_group(transport.get_pid())
        await asyncio.wait([protocol.exited], timeout=KILL_WAIT)
    finally:
        transport.close()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


VALUE_CHARS = 60
"""Characters of the text a pattern matched kept as the value."""


def _evaluate(
    spec: CommandProbe,
    returncode: int,
    stdout: _StreamBuffer,
    stderr: _StreamBuffer,
    redact: Redactor,
) -> Observation:
    texts = {"stdout": stdout.text(), "stderr": stderr.text()}
    output = _render_output(stdout, stderr, redact)
    exit_text = _describe_exit(returncode)

    failure: str | None = None
    failed_value = exit_text
    if spec.exit_code is not None and returncode != spec.exit_code:
        failure = f"{exit_text} (expected exit {spec.exit_code})"
        # Two failures of one command should not look alike: say what it last said.
        said = last_words(stderr, redact) or last_words(stdout, redact)
        if said:
            failure += f": {said}"
    matched: list[str] = []
    fits: tuple[Suggestion, ...] = ()
    for stream, patterns in (("stdout", spec.stdout), ("stderr", spec.stderr)):
        for index, pattern in enumerate(patterns):
            found = re.search(pattern, texts[stream], re.MULTILINE)
            if found is not None:
                matched.append(found.group(0))
            elif failure is None:
                # The line that nearly matches (else the last) shows what the command says.
                near, _ = describe_near(texts[stream], pattern, lambda line: excerpt(line, redact))
                last = last_words(_stream(stream, stdout, stderr), redact)
                said = near or (f"last line: {last!r}" if last else f"{stream} is empty")
                failure = f"{stream} has no match for /{pattern}/; {exit_text}; {said}"
                failed_value = "no match"
                fit = line_suggestion(texts[stream], f"{stream}[{index}]", pattern, redact, failure)
                fits = (fit,) if fit else ()

    if spec.extract is None:
        if failure is not None:
            return Observation(
                ok=False,
                value=failed_value,
                detail=one_line(failure),
                output=output,
                suggestions=fits,
            )
        if not matched:
            return Observation(ok=True, value=exit_text, detail=exit_text, output=output)
        # The output a pattern matched says more than the exit code (which stays in the
        # detail); the value is redacted, then cut.
        value = redact.excerpt(matched[0], VALUE_CHARS)
        detail = f"{exit_text}, output matches {len(matched)} pattern(s)"
        return Observation(ok=True, value=value, detail=detail, output=output)

    extract = spec.extract
    match = re.search(extract.regex, texts[extract.stream], re.MULTILINE)
    if match is None:
        if failure is not None:
            return Observation(
                ok=False,
                value=exit_text,
                detail=one_line(failure),
                output=output,
                suggestions=fits,
            )
        raise _no_value(extract.stream, extract.regex, texts[extract.stream], output, redact)
    raw = ((match.group(1) if match.re.groups else match.group(0)) or "").strip()
    try:
        met = extract.compare.holds(raw)
    except ValueError:
        shown = redact.excerpt(repr(raw), 60)
        raise ProbeError(one_line(f"{shown} from {extract.stream} is not a number")) from None
    value = f"{raw}{extract.unit}"
    if failure is not None:
        return Observation(ok=False, value=value, detail=one_line(failure), output=output)
    expected = f"{extract.compare}{extract.unit}"
    if not met:
        return Observation(
            ok=False, value=value, detail=f"{value}, expected {expected}", output=output
        )
    return Observation(
        ok=True, value=value, detail=f"{value} ({expected}), {exit_text}", output=output
    )


def _stream(name: str, stdout: _StreamBuffer, stderr: _StreamBuffer) -> _StreamBuffer:
    return stdout if name == "stdout" else stderr


def _no_value(stream: str, regex: str, text: str, output: str, redact: Redactor) -> ProbeError:
    """`extract` found no value: the error names the output lines holding a number like
    the one its group reads (or the last line), and for doctor the regex that reads the
    closest of them with the same group."""
    head = f"{stream} has no match for /{regex}/"

    def number(raw: str) -> bool:
        try:
            float(raw.strip().replace(",", ""))
        except ValueError:
            return False
        return True

    clause, _, fits = valued_lines(
        text, "extract.regex", regex, redact, number, lambda c: one_line(f"{head}; {c}"), NUMBER
    )
    if not clause:
        last = next((line for line in reversed(text.splitlines()) if line.strip()), "")
        clause = f"last line: {excerpt(last, redact)}" if last else f"{stream} is empty"
    return ProbeError(one_line(f"{head}; {clause}"), output=output, suggestions=fits)


LAST_WORDS_CHARS = 160
"""Characters of a failed command's last line of output kept in the detail."""


def last_words(stream: _StreamBuffer, redact: Redactor) -> str:
    """The stream's last non-empty line, redacted then cut to `LAST_WORDS_CHARS` ('' if none).

    Only the end of the stream is redacted (it may be megabytes); the window's first line
    is used only when the window starts the stream, since a line cut at the window's start
    could begin inside a secret the redactor would no longer recognise.
    """
    text = stream.text()
    window = 8192 + redact.longest
    whole = len(text) <= window
    lines = redact(text[-window:]).splitlines()
    if not whole:
        lines = lines[1:]
    for line in reversed(lines):
        if line.strip():
            shown = redact.excerpt(line, LAST_WORDS_CHARS)
            return "".join(char if char.isprintable() else "?" for char in shown)
    return ""


def _describe_exit(returncode: int) -> str:
    if returncode >= 0:
        return f"exit {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _render_output(stdout: _StreamBuffer, stderr: _StreamBuffer, redact: Redactor) -> str:
    if not stderr.total:
        return cap_text(stdout.render(OUTPUT_CAP, redact))
    err = stderr.render(OUTPUT_CAP // 4, redact)
    out = stdout.render(max(OUTPUT_CAP - len(err) - 32, 1024), redact)
    return cap_text(f"{out}\n--- stderr ---\n{err}" if stdout.total else f"--- stderr ---\n{err}")


__all__ = [
    "EXIT_GRACE",
    "HEAD_LIMIT",
    "PASSTHROUGH_ENV",
    "TAIL_LIMIT",
    "base_environment",
    "run_command_probe",
]
