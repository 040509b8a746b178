"""The Textual review: shows the core's evaluation and collects the operator's input."""

from __future__ import annotations
