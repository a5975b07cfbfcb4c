"""Daily reports: /report (the guided form), /zero, /status, and the buttons on reminders.

The form dialog keeps its place in FSM storage (the unit, the reporting day and the
`forms.Draft`), so it survives restarts; nothing stored or sent back by a button is trusted:
a draft that no longer fits the form restarts politely, a button from an earlier question is
refused, and filing goes through `services.reports.ReportService` (built once with the policy,
given as `report_service`), which checks the filer's role and every answer again, puts the
work group's line in the outbox and refuses with `Refused` (a message key and its values).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from handlers.reports.dialog import ReportDialog, answer_given, step_pressed
from handlers.reports.entry import reminder_pressed, report_command, unit_chosen, zero_command
from handlers.reports.status import (
    status_command,
    status_open_pressed,
    status_typed_again,
    status_unit_pressed,
)
from handlers.reports.zero import ZeroReason, reason_given, zero_pressed
from handlers.unit_picker import answer_typed_names
from texts.keyboards import (
    ReminderReport,
    ReportStep,
    ReportUnitChoice,
    StatusOpen,
    StatusUnit,
    ZeroConfirm,
)


def create_router() -> Router:
    router = Router(name="reports")
    private = F.chat.type == "private"
    router.message.register(report_command, Command("report"), private)
    router.message.register(zero_command, Command("zero"), private)
    router.message.register(status_command, Command("status"), private)
    router.callback_query.register(unit_chosen, ReportUnitChoice.filter())
    router.callback_query.register(step_pressed, ReportStep.filter())
    router.callback_query.register(zero_pressed, ZeroConfirm.filter())
    router.callback_query.register(reminder_pressed, ReminderReport.filter())
    router.callback_query.register(status_open_pressed, StatusOpen.filter())
    router.callback_query.register(status_unit_pressed, StatusUnit.filter())
    answer_typed_names("status", status_typed_again)
    router.message.register(answer_given, ReportDialog.filling, private, ~F.text.startswith("/"))
    router.message.register(reason_given, ZeroReason.waiting, private, ~F.text.startswith("/"))
    return router
