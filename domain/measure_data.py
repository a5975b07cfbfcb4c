"""A measure as plain data: how a declaration stores it (a JSON column) and how /mydata's copy
shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.policy import Measure


def measure_to_data(measure: Measure) -> dict[str, Any]:
    return {
        "days": measure.days,
        "test_offsets": list(measure.test_offsets),
        "test_weekdays": list(measure.test_weekdays),
        "checkins": measure.checkins,
        "immediate_report": measure.immediate_report,
    }


def measure_from_data(data: Mapping[str, Any]) -> Measure:
    return Measure(
        days=int(data.get("days", 0)),
        test_offsets=tuple(int(day) for day in data.get("test_offsets", ())),
        test_weekdays=tuple(int(day) for day in data.get("test_weekdays", ())),
        checkins=bool(data.get("checkins", False)),
        immediate_report=bool(data.get("immediate_report", False)),
    )
