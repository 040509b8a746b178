"""The decision record, in one place.

- `model`: the meeting's inputs and the finished `DecisionRecord`;
- `build`: an evaluation and those inputs become a record; `text`: its `.txt` rendering;
- `layout`: every file name of a record (`RecordPaths`, suffixes); signing depends on this
  module only;
- the write-ahead protocol: `plan` (free names, every file rendered), `finalize` (the plan in
  the session journal) or `pending` (the plan in a `pending_<stem>.json` file), `write`
  (each file written whole, then the record sealed by `core/signing/`);
- `reading` and `export`: a written record read back, as markdown and HTML (`gonogo report`).

This package's `__init__` imports nothing, so `core/signing/` can import `layout` without
loading the writer that seals through signing.
"""
