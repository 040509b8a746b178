"""Random edits of YAML texts for the loader fuzz test and `bench/fuzz_loader.py`."""

from __future__ import annotations

import random

INTERESTING = (
    "\x00",
    "\t",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "${",
    "${UNSET_GONOGO_VAR}",
    "'",
    '"',
    "\n",
    "~",
    "\ud800",
    "\x1b[31m",
    "9" * 40,
)


def mutate(text: str, rng: random.Random, *, steps: int = 3) -> str:
    """Apply a few random edits to a YAML text: drop, duplicate, swap or insert."""
    lines = text.splitlines(keepends=True)
    for _ in range(steps):
        if not lines:
            lines = [rng.choice(INTERESTING)]
        op = rng.randrange(6)
        index = rng.randrange(len(lines))
        if op == 0:
            del lines[index]
        elif op == 1:
            lines.insert(index, lines[rng.randrange(len(lines))])
        elif op == 2:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        elif op == 3:
            line = lines[index]
            cut = rng.randrange(len(line) + 1)
            lines[index] = line[:cut] + rng.choice(INTERESTING) + line[cut:]
        elif op == 4:
            line = lines[index]
            if line:
                cut = rng.randrange(len(line))
                lines[index] = line[:cut] + line[cut + 1 :]
        else:
            line = lines[index]
            indent = len(line) - len(line.lstrip(" "))
            lines[index] = " " * rng.choice((0, 1, 2, 3, 4, 8)) + line[indent:]
    return "".join(lines)


__all__ = ["INTERESTING", "mutate"]
