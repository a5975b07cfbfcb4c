"""A stored declaration under home health monitoring, for tests of its follow-up (check-ins,
tests, results) that need the row but not the dialog that would have made it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from storage.models import DeclarationRow


def monitoring_row(
    *,
    unit_code: str,
    resident: int | None,
    filed_by: int,
    at: datetime,
    start: date,
    answers: dict[str, Any],
) -> DeclarationRow:
    """`resident` None: filed by proxy for someone without the messenger."""
    return DeclarationRow(
        unit_code=unit_code,
        resident_id=resident,
        filed_by=filed_by,
        proxy=resident is None,
        submitted_at=at,
        start_date=start,
        answers=answers,
        places=[],
        category="home_health_monitoring",
        rule_name="mid",
        measure={},
        immediate_report=False,
        risk_level="mid",
        city_has_cases=False,
        matched=[],
        policy_version="test",
        classified_at=at,
        version=1,
        superseded_by=None,
    )
