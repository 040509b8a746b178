"""Fuzz the checklist loader: anything but a Checklist or a clean one-line ChecklistError
naming the file and a line is a failure. `bench/fuzz_loader.py` runs 10,000 examples."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import ChecklistError
from tests.hardening.mutations import mutate

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "checklists" / "spark-trading.yaml"
SMALL = """\
title: small
variables:
  TOKEN: {default: abc, secret: true}
policy: {go_max_no_go: 0, review_max_no_go: 1}
sections:
  - id: a
    title: A
    requirement: r
    criteria:
      - id: h
        title: H
        probe: {kind: http, url: 'http://127.0.0.1:9/', status: 204, headers: {Authorization: 'Bearer ${TOKEN}'}}
      - id: m
        title: M
        manual: true
  - id: b
    title: B
    criteria:
      - {id: f, title: F, probe: {kind: file, path: x, max_age: 24h, contains: ['^ok$']}}
      - {id: c, title: C, probe: {kind: command, command: [echo, hi], extract: {regex: '(\\d+)', compare: '>= 1'}}}
      - {id: s, title: S, probe: {kind: sql, dsn: 'postgresql://u:pw@127.0.0.1:9/x', query: select 1, rows: '== 1'}}
"""
ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): \S")


def check_outcome(path: Path) -> None:
    """Load `path`; only a Checklist or a one-line ChecklistError with file:line passes."""
    try:
        checklist = load_checklist(path, environ={})
    except ChecklistError as exc:
        message = str(exc)
        assert "\n" not in message, message
        match = ERROR_LINE.match(message)
        assert match is not None, message
        assert match.group("file") == str(path)
        # YAML breaks lines at \r, \r\n, \n, NEL and the Unicode separators, as splitlines does.
        line_count = len(path.read_bytes().decode("utf-8", "replace").splitlines())
        assert 1 <= int(match.group("line")) <= line_count + 1
    else:
        assert isinstance(checklist, Checklist)


def _seeds() -> list[str]:
    seeds = [SMALL]
    if SHIPPED.exists():
        seeds.append(SHIPPED.read_text())
    return seeds


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["title", "sections", "id", "criteria", "probe", "kind", "url", "manual", "x"]
            )
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)

FUZZ = settings(
    max_examples=int(os.environ.get("GONOGO_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(document=yaml_values)
def test_random_yaml_documents(tmp_path: Path, document: object) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    check_outcome(path)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 6))
def test_mutated_checklists(tmp_path: Path, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    text = mutate(rng.choice(_seeds()), rng, steps=steps)
    path = tmp_path / "mutant.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_outcome(path)


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(data)
    check_outcome(path)


def test_seeds_load() -> None:
    for index, text in enumerate(_seeds()):
        path = ROOT / "tests" / "data" / f".seed{index}.yaml"
        try:
            path.write_text(text)
            assert isinstance(load_checklist(path, environ={}), Checklist)
        finally:
            path.unlink(missing_ok=True)
