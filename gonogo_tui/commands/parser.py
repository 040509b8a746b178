"""The command line's parser and its output stream check, shared by `cli` and the commands."""

from __future__ import annotations

import argparse
from typing import NoReturn

EXIT_USAGE = 2
"""Unusable input: a bad argument, checklist or file."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def stream_is_utf8(stream: object) -> bool:
    """Whether `stream` encodes text as UTF-8."""
    encoding = str(getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf_8")


__all__ = ["EXIT_USAGE", "OneLineParser", "stream_is_utf8"]
