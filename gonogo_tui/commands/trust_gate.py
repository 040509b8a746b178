"""`--trust`, `--trusted-digests FILE`, `--allow-host HOST`: whether a checklist may run.

`gonogo check` refuses (exit code 2, one line saying what the checklist would execute and
send where) a checklist that needs trust (`core.trust`) and is not trusted; `gonogo
review` shows the same plan on its first screen and asks.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.trust import (
    ALLOW_HOSTS_ENV,
    AllowList,
    TrustPlan,
    plan_checklist,
    record_trust,
    trusted_digests,
)


def add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the trust options (check, review, demo)."""
    parser.add_argument(
        "--trust",
        action="store_true",
        help="run a checklist with shell commands, or secrets sent to hosts outside the "
        "allow-list, without asking (its digest is recorded in the evidence folder)",
    )
    parser.add_argument(
        "--trusted-digests",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a file of trusted checklist SHA-256 digests, one a line (repeatable)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help=f"a host secrets may be sent to without trust (repeatable; `*.example.com`; "
        f"also ${ALLOW_HOSTS_ENV}); loopback always may",
    )


def untrusted_plan(
    checklist: Checklist, args: argparse.Namespace, evidence_dir: Path
) -> TrustPlan | None:
    """The plan to show the operator, or None: the checklist needs no trust, is trusted,
    or `--trust` trusts it now (recorded, and said on stderr).

    Raises:
        GonogoError: a `--trusted-digests` file is unusable, or the checklist changed
            since it was loaded.
    """
    allow = AllowList.from_sources(getattr(args, "allow_host", []), os.environ)
    plan = plan_checklist(checklist, environ=os.environ, allow=allow)
    if not plan.needs_trust:
        return None
    if plan.digest in trusted_digests(evidence_dir, getattr(args, "trusted_digests", [])):
        return None
    if getattr(args, "trust", False):
        recorded = record_trust(evidence_dir, plan)
        print(
            f"gonogo: trusted {plan.path} (sha256 {plan.digest[:12]}); recorded in {recorded}",
            file=sys.stderr,
        )
        return None
    return plan


def would_ask(checklist: Checklist, args: argparse.Namespace, evidence_dir: Path) -> bool:
    """Whether `gonogo check` would refuse this checklist without `--trust` (nothing is
    recorded: for a command that writes a checklist and says how to run it)."""
    allow = AllowList.from_sources(getattr(args, "allow_host", []), os.environ)
    plan = plan_checklist(checklist, environ=os.environ, allow=allow)
    trusted = trusted_digests(evidence_dir, getattr(args, "trusted_digests", []))
    return plan.needs_trust and plan.digest not in trusted


def require_trust(checklist: Checklist, args: argparse.Namespace, evidence_dir: Path) -> None:
    """Headless: refuse a checklist that needs trust and is not trusted.

    Raises:
        GonogoError: it is not trusted (one line: what it would execute and send where).
    """
    plan = untrusted_plan(checklist, args, evidence_dir)
    if plan is not None:
        raise GonogoError(plan.refusal())
