"""gonogo: a deployment GO/NO-GO review in the terminal."""

from __future__ import annotations

__version__ = "0.1.0"
