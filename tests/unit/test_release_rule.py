"""When a measure may be ended early (解除)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.cases import ReleaseRefusal, release_refusal

END = date(2026, 12, 3)  # the first day after the period


@pytest.mark.parametrize(
    ("released", "superseded", "has_measure", "today", "expected"),
    [
        (False, False, True, date(2026, 11, 20), None),
        (False, False, True, date(2026, 12, 2), None),  # its last day
        (False, False, True, END, ReleaseRefusal.NO_MEASURE),  # over
        (False, False, False, date(2026, 11, 20), ReleaseRefusal.NO_MEASURE),  # registration
        (False, True, True, date(2026, 11, 20), ReleaseRefusal.NO_MEASURE),  # an older version
        (True, False, True, date(2026, 11, 20), ReleaseRefusal.ALREADY),
    ],
)
def test_release_refusal(
    released: bool,
    superseded: bool,
    has_measure: bool,
    today: date,
    expected: ReleaseRefusal | None,
) -> None:
    found = release_refusal(
        released=released,
        superseded=superseded,
        has_measure=has_measure,
        measure_end=END,
        today=today,
    )
    assert found is expected
