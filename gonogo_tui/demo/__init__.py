"""The demo: a local environment that meets the shipped checklist's target contract."""

from __future__ import annotations
