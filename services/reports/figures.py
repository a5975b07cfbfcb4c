"""A unit's filed figures for a day, as /status UNIT shows them to its supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.forms import FormSpec
from domain.org import Unit
from domain.reports import FiledReport, ReportPolicy
from storage import Repositories


@dataclass(frozen=True, slots=True)
class UnitFigures:
    form: FormSpec  # the unit's form, to label and order the answers
    report: FiledReport  # the latest version: a correction fixes the figures


async def unit_figures(
    repos: Repositories, policy: ReportPolicy, unit: Unit, day: date
) -> UnitFigures | None:
    """The latest version the unit filed for `day`, if it filed and still reports."""
    schedule = policy.schedule_for(unit)
    report = await repos.reports.latest(unit.code, day)
    if schedule is None or report is None:
        return None
    return UnitFigures(schedule.form, report)
