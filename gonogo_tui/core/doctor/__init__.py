"""`gonogo doctor`: run the probes once and say how the checklist would fit the target.

`probing` runs each probe once and keeps the mismatches it returned as data
(`core.findings.Suggestion`); `edits` turns each into the YAML edit (or the variable to set)
that fits the target, without touching a comparison; `setup` lists the variables left at
their defaults and the files that are missing; `report` puts them together.
"""

from __future__ import annotations
