"""Matching typed places: how long one `match_place` takes once its indexes are built, and how
long building them takes (the first pass, which pays for them as it goes).

Run: `python -m bench.places`. The inputs are the table of tests/unit/test_region_match.py
(Chinese, pinyin, English, stations, airports, typos, and inputs that match nothing), each
matched `ROUNDS` times. Target: median well under 1 ms, 95th percentile under 5 ms.
"""

from __future__ import annotations

import statistics
import sys
import time

from domain.place_match import match_place
from tests.unit.test_region_match import PLACES

ROUNDS = 5
MEDIAN_TARGET_MS = 1.0
P95_TARGET_MS = 5.0


def main() -> int:
    started = time.perf_counter()
    for text, _ in PLACES:  # builds every index (Chinese, pinyin, English, typos) on its way
        match_place(text)
    build_s = time.perf_counter() - started
    timings = []
    for _ in range(ROUNDS):
        for text, _ in PLACES:
            start = time.perf_counter()
            match_place(text)
            timings.append((time.perf_counter() - start) * 1000)
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    slowest = max(timings)
    ok = median < MEDIAN_TARGET_MS and p95 < P95_TARGET_MS
    print(
        f"places={len(PLACES)} rounds={ROUNDS} build_s={build_s:.2f} median_ms={median:.3f} "
        f"p95_ms={p95:.2f} slowest_ms={slowest:.2f} ok={ok}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
