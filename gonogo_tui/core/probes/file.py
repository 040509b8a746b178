"""The `file` probe: existence, content regexes and freshness of files and folders."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from gonogo_tui.core.probes.base import StrictModel
from gonogo_tui.core.probes.reads_files import ReadsFiles
from gonogo_tui.core.types import Duration, Regex, format_duration


class NewestIn(StrictModel):
    """The newest file matching a glob inside a folder (the seed's `ls -lt pacts/`)."""

    dir: str
    """Folder, relative to the root; inside it unless `allow_outside_root`."""
    glob: str = "*"
    """Pattern the files must match, e.g. `*.test.ts`."""
    recursive: bool = False
    """Search sub-folders too."""


class FileProbe(ReadsFiles):
    """Checks a file: it exists, its content matches, it is recent enough."""

    kind: Literal["file"] = "file"
    start_tier: ClassVar[int] = 2
    path: str | None = Field(default=None, min_length=1)
    """The file, relative to the root; inside it unless `allow_outside_root` (never empty:
    that is the root itself)."""
    newest_in: NewestIn | None = None
    """Instead of `path`: the newest file matching a glob in a folder."""
    exists: bool = True
    """Set to false to require that the file does not exist."""
    contains: list[Regex] = Field(default_factory=list)
    """Regexes that must all match the content (multiline mode)."""
    max_age: Duration | None = None
    """Maximum age, from the modification time unless `date_regex` is given."""
    date_regex: Regex | None = None
    """Take the age from a date found in the file: the first group (or whole match)."""
    date_format: str | None = None
    """strptime format of that date; default ISO 8601 (`2026-11-26`, `2026-11-26T10:00Z`)."""
    date_match: Literal["first", "all", "newest", "oldest"] = Field(
        default="first",
        description="Which date_regex match gives the age: first (default), newest, oldest,"
        " or all (every match must parse and be within max_age; the detail names the"
        " oldest, e.g. every approver's signature date).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> FileProbe:
        if (self.path is None) == (self.newest_in is None):
            raise ValueError("give exactly one of 'path' or 'newest_in'")
        if self.date_regex is not None and self.max_age is None:
            raise ValueError("'date_regex' needs 'max_age'")
        if "date_match" in self.model_fields_set and self.date_regex is None:
            raise ValueError("'date_match' needs 'date_regex'")
        return self

    def source(self) -> str:
        if self.newest_in is not None:
            return f"{self.newest_in.dir.rstrip('/')}/{self.newest_in.glob}"
        return str(self.path)

    def expectation(self) -> str:
        if not self.exists:
            return "absent"
        parts = ["exists"]
        if self.contains:
            parts.append(f"matches {len(self.contains)} pattern{'s' * (len(self.contains) > 1)}")
        if self.max_age is not None:
            every = "every date's " if self.date_match == "all" else ""
            parts.append(f"{every}age <= {format_duration(self.max_age)}")
        return ", ".join(parts)
