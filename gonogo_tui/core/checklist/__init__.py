"""Checklist YAML schema (pydantic models) and `load_checklist`.

Loading is strict: `yaml` safe loading with a node budget (aliases cannot blow up memory),
`${VAR}` / `${VAR:-default}` substitution from an explicit environment, pydantic validation
with unknown fields forbidden, and every error reported as `FILE:LINE: field.path: message`.

The package by concern: `model` (the pydantic models), `source` (the file, YAML and line
numbers), `variables` (interpolation and secrets) and `loading` (`load_checklist`).
"""

from __future__ import annotations

from gonogo_tui.core.checklist.loading import checklist_json_schema, load_checklist
from gonogo_tui.core.checklist.model import (
    ApprovalPolicy,
    Checklist,
    Criterion,
    Defaults,
    Owner,
    Policy,
    Section,
    VariableDecl,
)
from gonogo_tui.core.checklist.source import format_path
from gonogo_tui.core.checklist.waiver_policy import (
    Expiry,
    WaiverPolicy,
    WaiverRules,
    parse_expiry,
)

__all__ = [
    "ApprovalPolicy",
    "Checklist",
    "Criterion",
    "Defaults",
    "Owner",
    "Policy",
    "Section",
    "VariableDecl",
    "Expiry",
    "WaiverPolicy",
    "WaiverRules",
    "parse_expiry",
    "checklist_json_schema",
    "format_path",
    "load_checklist",
]
