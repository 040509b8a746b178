"""Screens and modal dialogs of the review."""

from __future__ import annotations
