"""`gonogo sign`, `gonogo seal`, `gonogo verify` and `gonogo verify-ledger`."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.commands.common import duration_arg, json_text
from gonogo_tui.commands.recheck import add_recheck_arguments, apply_recheck, recheck_note
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.errors import EvidenceError, GonogoError

if TYPE_CHECKING:
    from gonogo_tui.core.signing.verify import VerifyResult

# The signing core (cryptography, statements, ledger) is imported inside each command, so
# that `gonogo check` and `gonogo --help` do not pay for it at start-up.

ALLOWED_SIGNERS_ENV = "GONOGO_ALLOWED_SIGNERS"
"""Where `gonogo verify` finds the allowed_signers file when --allowed-signers is not given."""
POLICY_ENV = "GONOGO_POLICY"
"""Where `gonogo verify` finds the trusted approval policy when --policy is not given."""


def register(subparsers: Any) -> None:
    """Add the `sign`, `seal`, `verify` and `verify-ledger` subcommands."""
    sign = subparsers.add_parser(
        "sign",
        help="sign a sealed decision record as one approver (through ssh-keygen)",
        description="Sign RECORD as ROLE with an SSH key (a private key, or a public key whose "
        "private half is in ssh-agent or on a security key). Writes "
        "<record>.approval.<role>.<principal>.json and its .sig beside the record.",
    )
    sign.add_argument("record", type=Path, help="the record's .txt (or .json)")
    sign.add_argument("--as", dest="role", required=True, metavar="ROLE", help="e.g. cto")
    sign.add_argument("--principal", required=True, help="your identity in allowed_signers")
    sign.add_argument("--key", type=Path, required=True, help="SSH key file (private or .pub)")
    sign.add_argument("--vote", choices=("approve", "reject"), default="approve")
    sign.add_argument("--comment", default="", help="a comment, signed with the vote")
    sign.set_defaults(func=run_sign)

    seal = subparsers.add_parser(
        "seal",
        help="seal a written record: its statement and its ledger line",
        description="Seal RECORD (normally done when the record is written): write "
        "<record>.statement.json and append the record to ledger.jsonl. Completes a seal "
        "that was interrupted.",
    )
    seal.add_argument("record", type=Path, help="the record's .txt (or .json)")
    seal.add_argument(
        "--extra", type=Path, action="append", default=[], help="another file of the record"
    )
    seal.set_defaults(func=run_seal)

    verify = subparsers.add_parser(
        "verify",
        help="verify a record: bytes, signatures, approvals, ledger (exit 0 valid)",
        description="Exit codes: 0 valid; 1 bytes or signature integrity; 2 approvals do not "
        "meet the policy; 3 decision or expectation mismatch; 4 ledger broken or not sealed.",
    )
    verify.add_argument("record", type=Path, help="the record's .txt (or .json or statement)")
    verify.add_argument(
        "--allowed-signers",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"trusted signers, outside the evidence folder (default: ${ALLOWED_SIGNERS_ENV})",
    )
    verify.add_argument(
        "--policy",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"trusted approval rules: a checklist or policy YAML (default: ${POLICY_ENV})",
    )
    verify.add_argument("--expect-decision", choices=("GO", "NO-GO"), default=None)
    verify.add_argument(
        "--max-age", type=duration_arg, default=None, metavar="AGE", help="e.g. 24h, 90m"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument(
        "--explain", action="store_true", help="print sha256sum/ssh-keygen commands an auditor runs"
    )
    add_recheck_arguments(verify)
    verify.set_defaults(func=run_verify)

    ledger = subparsers.add_parser(
        "verify-ledger",
        help="check an evidence folder's ledger chain (exit 0 intact, 3 not as expected, 4 broken)",
    )
    ledger.add_argument("directory", type=Path, nargs="?", default=Path("evidence"))
    ledger.add_argument(
        "--expect-head",
        metavar="SHA256",
        type=_head_hash,
        help="the head hash the ledger must have (anchored elsewhere); exit 3 if not",
    )
    ledger.add_argument(
        "--min-entries",
        metavar="N",
        type=_entry_count,
        help="the ledger must hold at least N entries; exit 3 if not",
    )
    ledger.add_argument("--json", action="store_true", help="print the result as JSON")
    ledger.set_defaults(func=run_verify_ledger)


def _head_hash(value: str) -> str:
    """A ledger head hash: 64 hex digits (argparse turns the error into exit 2)."""
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a SHA-256 (64 hex digits)")
    return value.lower()


def _entry_count(value: str) -> int:
    """A whole number of ledger entries, 0 or more."""
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of entries")
    return int(value)


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def run_sign(args: argparse.Namespace, *, now: Callable[[], datetime] = utc_now) -> int:
    """Run `gonogo sign`."""
    from gonogo_tui.core.records.layout import locate_record
    from gonogo_tui.core.signing import sign_record

    signature = sign_record(
        args.record,
        role=args.role,
        principal=args.principal,
        key_path=args.key,
        vote=args.vote,
        comment=args.comment,
        now=now,
        interactive=sys.stdin.isatty(),
    )
    print(f"signed {locate_record(args.record).stem} as {args.role} ({args.vote}): {signature}")
    return 0


def run_seal(args: argparse.Namespace, *, now: Callable[[], datetime] = utc_now) -> int:
    """Run `gonogo seal`."""
    from gonogo_tui.commands.common import tell_completed
    from gonogo_tui.core.records.layout import locate_record
    from gonogo_tui.core.records.pending import complete_pending
    from gonogo_tui.core.signing import seal_record

    paths = locate_record(args.record)
    # A record `gonogo check --record` left half written is completed as it was planned
    # (every file, then sealed), never sealed from whatever part of it is on disk.
    completed = complete_pending(paths.directory, on_completed=tell_completed)
    statement = next(
        (o.paths.statement for o in completed if o.finalized.record_id == paths.stem), None
    )
    if statement is None:
        statement = seal_record(paths.txt, paths.json, now=now, extra_files=args.extra)
    print(f"sealed {paths.stem}: {statement}")
    return 0


def _trust_file(value: Path | None, env: str) -> Path | None:
    if value is not None:
        return value
    from_env = os.environ.get(env)
    return Path(from_env) if from_env else None


def run_verify(args: argparse.Namespace, *, now: Callable[[], datetime] = utc_now) -> int:
    """Run `gonogo verify`: one line on stdout if valid, on stderr with the exit code if not."""
    from gonogo_tui.commands.exit_codes import exit_code
    from gonogo_tui.core.signing import (
        Failure,
        Finding,
        VerifyResult,
        explain_commands,
        verify_record,
    )

    allowed = _trust_file(args.allowed_signers, ALLOWED_SIGNERS_ENV)
    if allowed is None:
        # Reported like every other failure (the FAILED line, and --json), so that a CI log
        # or a JSON reader sees why the gate closed.
        reason = f"no allowed_signers: pass --allowed-signers FILE or set ${ALLOWED_SIGNERS_ENV}"
        result = VerifyResult(args.record.name, None, (Finding(Failure.INTEGRITY, reason),))
    else:
        max_age = timedelta(seconds=args.max_age) if args.max_age is not None else None
        result = verify_record(
            args.record,
            allowed,
            now=now,
            expect_decision=args.expect_decision,
            max_age=max_age,
            trusted_policy=_trust_file(args.policy, POLICY_ENV),
        )
    result, rechecked = apply_recheck(args, result, now)
    explain: list[str] = []
    if args.explain and allowed is not None:
        try:
            explain = explain_commands(args.record, allowed)
        except EvidenceError as exc:
            explain = [f"# cannot explain: {exc}"]
    if args.json:
        document = _verify_json(result)
        if args.explain:
            document["explain"] = explain
        if rechecked is not None:
            document["recheck"] = [r.to_dict() for r in rechecked]
        print(json_text(document))
    else:
        for line in explain:
            print(line)
    if result.ok:
        if not args.json:
            print(f"OK {result.reason}{recheck_note(rechecked)}")
        return 0
    code = exit_code(result.failure)
    _say(f"gonogo verify: FAILED (exit {code}): {result.reason}{_pending_note(args)}")
    return code


def _verify_json(result: VerifyResult) -> dict[str, Any]:
    """A JSON-ready summary (for `gonogo verify --json`)."""
    from gonogo_tui.commands.exit_codes import exit_code

    return {
        "record_id": result.record_id,
        "decision": result.decision,
        "ok": result.ok,
        "exit_code": exit_code(result.failure),
        "reason": result.reason,
        "findings": [
            {"exit_code": exit_code(f.failure), "message": f.message} for f in result.findings
        ],
        "rule": str(result.outcome.rule) if result.outcome and result.outcome.rule else None,
        "missing": list(result.outcome.missing) if result.outcome else [],
        "approvals": [
            {
                "file": a.document.name,
                "role": a.approval.role if a.approval else None,
                "principal": a.approval.principal if a.approval else None,
                "vote": a.approval.vote if a.approval else None,
                "key_fingerprint": a.key_fingerprint,
                "counted": a.counted,
                "problem": a.problem,
            }
            for a in result.approvals
        ],
    }


def _pending_note(args: argparse.Namespace) -> str:
    """Why a record may fail: a crash interrupted its writing (its plan file is there)."""
    from gonogo_tui.core.records.layout import locate_record, pending_plan_name

    try:
        paths = locate_record(args.record)
    except EvidenceError:
        return ""
    if not (paths.directory / pending_plan_name(paths.stem)).exists():
        return ""
    return (
        f" (its writing was interrupted: the next `gonogo check --record`, `gonogo review`"
        f" or `gonogo seal` in {paths.directory} completes it)"
    )


def run_verify_ledger(args: argparse.Namespace) -> int:
    """Run `gonogo verify-ledger`."""
    from gonogo_tui.commands.exit_codes import exit_code
    from gonogo_tui.core.records.pending import pending_records
    from gonogo_tui.core.signing import verify_ledger

    if not args.directory.is_dir():
        _say(f"gonogo verify-ledger: {args.directory}: no such folder")
        return 2  # unusable input, as everywhere: not a ledger found broken
    report = verify_ledger(
        args.directory, expect_head=args.expect_head, min_entries=args.min_entries
    )
    code = exit_code(report.failure)
    pending = [record.plan.stem for _, record in pending_records(args.directory)]
    reason = report.reason
    if pending and not code:
        reason += (
            f"; {len(pending)} pending (interrupted while written, completed by the next"
            f" `gonogo check --record`, `gonogo review` or `gonogo seal`): {', '.join(pending)}"
        )
    if args.json:
        document = {
            "directory": str(report.directory),
            "ok": code == 0,
            "exit_code": code,
            "reason": reason,
            "entries": report.entries,
            "head_sha256": report.head_sha256,
            "unsealed": list(report.unsealed),
            "pending": pending,
        }
        print(json_text(document))
    if code:
        _say(f"gonogo verify-ledger: FAILED (exit {code}): {report.reason}")
    elif not args.json:
        print(f"OK {reason}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run only the signing subcommands (`python -m gonogo_tui.commands.signing ...`)."""
    from gonogo_tui.commands.parser import OneLineParser

    parser = OneLineParser(prog="gonogo", description="Sign and verify decision records.")
    register(parser.add_subparsers(dest="command", parser_class=OneLineParser, required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GonogoError as exc:
        _say(f"gonogo: {exc}")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
