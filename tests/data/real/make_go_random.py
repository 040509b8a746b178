"""Writes go-client-random-openmetrics.txt: client_golang's `examples/random` output, rebuilt.

Not a scrape of the running example (this machine has no Go toolchain): the metric names, help
texts, bucket bounds (`LinearBuckets(normMean-5*normDomain, .5*normDomain, 20)` with the
example's default flags) and OpenMetrics layout follow the example and client_golang's encoder;
the observations are drawn from the example's distributions with a fixed seed, chosen so the
normal distribution's sum is negative, and the summary quantiles are the draws' exact quantiles.
Run `python tests/data/real/make_go_random.py` to write the file again (same bytes).
"""

from __future__ import annotations

import math
import random
from pathlib import Path

SEED = 10
NORM_MEAN = 0.00001
NORM_DOMAIN = 0.0002
UNIFORM_DOMAIN = 0.0002
SCRAPED_AT = 1764547200.0  # exemplar timestamps, 2025-12-01 00:00 UTC


def _g(value: float) -> str:
    """Go's strconv.FormatFloat(value, 'g', -1, 64) for the values written here."""
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        mantissa = mantissa.removesuffix(".0")
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text.removesuffix(".0")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def render() -> str:
    """The exposition text."""
    draw = random.Random(SEED)
    uniform = [draw.random() * UNIFORM_DOMAIN for _ in range(150)]
    normal = [draw.gauss(0, 1) * NORM_DOMAIN + NORM_MEAN for _ in range(200)]
    exponential = [draw.expovariate(1) / 1e6 for _ in range(300)]
    bounds, start = [], NORM_MEAN - 5 * NORM_DOMAIN
    for _ in range(20):
        bounds.append(start)
        start += 0.5 * NORM_DOMAIN
    lines = [
        "# HELP go_build_info Build information about the main Go module.",
        "# TYPE go_build_info gauge",
        'go_build_info{checksum="",path="github.com/prometheus/client_golang",version="(devel)"} 1',
        "# HELP rpc_durations_histogram_seconds RPC latency distributions.",
        "# TYPE rpc_durations_histogram_seconds histogram",
    ]
    lower = -math.inf
    for bound in [*bounds, math.inf]:
        count = sum(v <= bound for v in normal)
        le = "+Inf" if math.isinf(bound) else _g(bound)
        line = f'rpc_durations_histogram_seconds_bucket{{le="{le}"}} {count}'
        inside = [v for v in normal if lower < v <= bound]
        if inside:  # the bucket's last observation is its exemplar, as in the example
            dummy = draw.randrange(100000)
            line += f' # {{dummyID="{dummy}"}} {_g(inside[-1])} {SCRAPED_AT + count / 1000:.3f}'
        lower = bound
        lines.append(line)
    lines += [
        f"rpc_durations_histogram_seconds_sum {_g(sum(normal))}",
        f"rpc_durations_histogram_seconds_count {len(normal)}",
        "# HELP rpc_durations_seconds RPC latency distributions.",
        "# TYPE rpc_durations_seconds summary",
    ]
    for service, values in (
        ("exponential", exponential),
        ("normal", normal),
        ("uniform", uniform),
    ):
        for q in (0.5, 0.9, 0.99):
            lines.append(
                f'rpc_durations_seconds{{service="{service}",quantile="{_g(q)}"}} '
                f"{_g(_quantile(values, q))}"
            )
        lines.append(f'rpc_durations_seconds_sum{{service="{service}"}} {_g(sum(values))}')
        lines.append(f'rpc_durations_seconds_count{{service="{service}"}} {len(values)}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name("go-client-random-openmetrics.txt")
    target.write_text(render(), encoding="utf-8")
