"""Subcommands of the `gonogo` command line; each module has `register(subparsers)`."""

from __future__ import annotations
