"""Pure domain: checklist model, probes, engine, rules, evidence and signing (no UI imports)."""

from __future__ import annotations
