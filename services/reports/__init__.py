"""Unit daily reports (日报告 / 零报告): opening a day's obligations, filing, and roll-ups.

A report is filed in the caller's transaction together with meeting its obligation, so the
report and the end of its escalation commit together. Nothing the client sends is trusted:
`file_report` checks who files, for which unit and day, and re-validates every answer
against the unit's form (`domain.forms.problems`), whatever the dialog already checked.
"""

from __future__ import annotations

from services.reports.filing import (
    ACTION,
    CORRECTION_CLOSED,
    FILED_MEANWHILE,
    INVALID,
    NOT_DUE,
    NOT_LIAISON,
    ZERO_NEEDS_REASON,
    ZERO_REASON_LENGTH,
    FileOutcome,
    file_report,
    units_for,
)
from services.reports.opening import obligations_due, open_day, report_key, reporting_day
from services.reports.rollups import (
    day_rollup,
    day_rollups,
    not_due_yet,
    supervisors_for_rollup,
    work_group_of,
)
from services.reports.service import Filed, GroupLineTexts, Owed, ReportService

__all__ = [
    "ACTION",
    "CORRECTION_CLOSED",
    "FILED_MEANWHILE",
    "INVALID",
    "NOT_DUE",
    "NOT_LIAISON",
    "ZERO_NEEDS_REASON",
    "ZERO_REASON_LENGTH",
    "FileOutcome",
    "Filed",
    "GroupLineTexts",
    "Owed",
    "ReportService",
    "day_rollup",
    "day_rollups",
    "file_report",
    "not_due_yet",
    "obligations_due",
    "open_day",
    "report_key",
    "reporting_day",
    "supervisors_for_rollup",
    "units_for",
    "work_group_of",
]
