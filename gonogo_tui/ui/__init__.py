"""The Textual user interface: shows what core computes and collects the operator's input."""

from __future__ import annotations
