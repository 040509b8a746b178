"""Planning a record: its free file names in the evidence folder and every file rendered,
before any is written (the plan is what the write-ahead protocol saves)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gonogo_tui.core import files
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.records.layout import ARTIFACTS_SUFFIX, STATEMENT_SUFFIX, pending_plan_name
from gonogo_tui.core.records.model import DecisionRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordPlan:
    """Every file of one record, named and rendered, before any is written.

    `files` are paths relative to the evidence folder, in writing order: the `.json`, the
    override text, the probe artifacts, and the `.txt` last (so a `.txt` on disk means every
    other file of the record is there too). All are UTF-8 text.
    """

    stem: str
    """The record's file stem: its record id, with `_2`, `_3`... when the name was taken."""
    override_stem: str | None
    files: tuple[tuple[str, str], ...]

    @property
    def txt(self) -> str:
        """The `.txt` file's name."""
        return f"{self.stem}.txt"

    @property
    def json(self) -> str:
        """The `.json` file's name."""
        return f"{self.stem}.json"

    @property
    def override(self) -> str | None:
        """The emergency override text's name, if any."""
        return None if self.override_stem is None else f"{self.override_stem}.txt"

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (the session journal keeps it until the record is complete)."""
        return {
            "stem": self.stem,
            "override_stem": self.override_stem,
            "files": [{"name": name, "text": text} for name, text in self.files],
        }

    @classmethod
    def from_dict(cls, data: Any) -> RecordPlan:
        """Read a plan back, refusing any name that is not one of the record's own files.

        Raises:
            KeyError, ValueError, TypeError: not a plan.
        """
        stem = str(data["stem"])
        override = data.get("override_stem")
        plan = cls(
            stem,
            None if override is None else str(override),
            tuple((str(item["name"]), str(item["text"])) for item in data["files"]),
        )
        stems = [s for s in (plan.stem, plan.override_stem) if s is not None]
        if not all(_SAFE_STEM.fullmatch(s) for s in stems):
            raise ValueError(f"unusable record stem in {stems}")
        names = [name for name, _ in plan.files]
        for name in names:
            parts = name.split("/")
            owned = parts[0] in (plan.txt, plan.json, plan.override) or (
                len(parts) == 3 and parts[0] == f"{stem}{ARTIFACTS_SUFFIX}"
            )
            if not owned or any(not part or part.startswith(".") for part in parts):
                raise ValueError(f"{name!r} is not a file of record {stem}")
        if names[-1:] != [plan.txt] or plan.json not in names:
            raise ValueError(f"record {stem} needs its .json, and its .txt last")
        return plan


_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def plan_record(record: DecisionRecord, evidence_dir: Path) -> RecordPlan:
    """Choose the record's free file names in `evidence_dir` and render every file.

    Raises:
        EvidenceError: no free name, or a probe artifact with an unusable name.
    """
    stem, override_stem = _free_stems(record, evidence_dir)
    data = {**record.data, "record_id": stem}
    files = [(f"{stem}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")]
    if record.override_text is not None and override_stem is not None:
        override_text = record.override_text.replace(
            f"Decision Record: {record.record_id}.txt", f"Decision Record: {stem}.txt", 1
        )
        files.append((f"{override_stem}.txt", override_text))
    for criterion_id, named in record.artifacts.items():
        for name, text in named.items():
            safe_name = Path(name).name
            if not safe_name or safe_name in (".", ".."):
                raise EvidenceError(f"{criterion_id}: unusable artifact name {name!r}")
            files.append((f"{stem}{ARTIFACTS_SUFFIX}/{criterion_id}/{safe_name}", text))
    text = record.text.replace(f"Record: {record.record_id}", f"Record: {stem}", 1)
    files.append((f"{stem}.txt", text))
    return RecordPlan(stem, override_stem, tuple(files))


def _free_stems(record: DecisionRecord, evidence_dir: Path) -> tuple[str, str | None]:
    base = record.record_id
    override_base = f"emergency_override_{record.timestamp}" if record.override_text else None
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"_{attempt}"
        stem = base + suffix
        names = [
            f"{stem}.txt",
            f"{stem}.json",
            f"{stem}{ARTIFACTS_SUFFIX}",
            f"{stem}{STATEMENT_SUFFIX}",
            pending_plan_name(stem),
        ]
        override_stem = override_base + suffix if override_base else None
        if override_stem:
            names.append(f"{override_stem}.txt")
        # lexists: a dangling link at a name takes it too (write_new_file never follows
        # one), so a name planted in the folder moves the record on instead of blocking it.
        taken = [evidence_dir / name for name in names if files.lexists(evidence_dir / name)]
        if not taken:
            return stem, override_stem
        for path in taken:
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                log.warning("%s: not a record's file (a link or special file); skipped", path)
    raise EvidenceError(f"{evidence_dir}: no free name for {base}")
