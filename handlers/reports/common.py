"""What the report handlers share: the audit action and the unit and day as message values."""

from __future__ import annotations

from datetime import date

from domain.org import Unit
from services import reports

ACTION = reports.ACTION  # "report.file": refusals to start a report are audited alongside


def facts(unit: Unit | None, day: date) -> dict[str, str]:
    return {"unit": unit.name if unit is not None else "", "day": day.isoformat()}
