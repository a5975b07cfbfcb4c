"""The case card: a declaration as staff work it (who, why, where from, the follow-up so far
and what was done about it), and its buttons."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.declarations import DomesticOrigin, OverseasOrigin
from services.cases import Case
from services.declaration_support import mask_phone
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import category_text, reason_lines
from texts.i18n import Translator
from texts.rendering import local_time, phone_display

# The card shows the latest check-ins; the full record is in the ledger.
CHECKINS_SHOWN = 7


def case_card(tr: Translator, case: Case, zone: ZoneInfo) -> str:
    stored, declaration = case.stored, case.stored.declaration
    phone = declaration.phone
    shown = (phone_display(phone) if case.full_phone else mask_phone(phone)) if phone else None
    lines = [
        tr("case-card-title", id=stored.id, unit=case.unit_name),
        tr(
            "followup-alert-who",
            name=declaration.name or "-",
            phone=shown or tr("followup-alert-no-phone"),
            unit=case.unit_name,
        ),
        tr("followup-alert-category", category=category_text(tr, stored.classification.category)),
        *reason_lines(tr, case.reasons),
        tr("case-card-origin", origin=_origin(declaration.origin)),
    ]
    if declaration.arrival is not None:
        lines.append(tr("case-card-arrival", at=declaration.arrival.strftime("%Y-%m-%d %H:%M")))
    if declaration.transport is not None:
        kind = tr(f"declare-opt-transport-{declaration.transport.kind.value}")
        number = declaration.transport.number or ""
        lines.append(tr("case-card-transport", transport=f"{kind} {number}".strip()))
    lines.append(tr("case-card-submitted", at=local_time(stored.submitted_at, zone)))
    if case.tests:
        tests = [
            tr("case-card-test", day=t.day.isoformat(), result=tr(f"case-test-{t.result}"))
            for t in case.tests
        ]
        lines.append(tr("case-card-tests", tests=tr("list-separator").join(tests)))
    checkins = case.checkins[-CHECKINS_SHOWN:]
    if checkins:
        lines.append(tr("case-card-checkins", count=len(case.checkins)))
        for line in checkins:
            symptoms = tr("list-separator").join(tr(f"symptom-{s.value}") for s in line.symptoms)
            lines.append(
                tr(
                    "case-card-checkin",
                    day=line.day.isoformat(),
                    temperature=f"{line.temperature:.1f}",
                    symptoms=symptoms or tr("case-card-no-symptoms"),
                )
            )
    lines.append(tr("case-card-log") if case.entries else tr("case-card-log-empty"))
    for entry in case.entries:
        who = case.names.get(entry.by, str(entry.by))
        at = local_time(entry.at, zone)
        key = f"case-entry-{entry.step.value}"
        lines.append(tr(key, at=at, name=who, note=entry.note or ""))
    return "\n".join(lines)


def _origin(origin: DomesticOrigin | OverseasOrigin) -> str:
    if isinstance(origin, OverseasOrigin):
        return origin.country
    return "".join(origin.region_names)


def case_keyboard(tr: Translator, case: Case) -> InlineKeyboardMarkup:
    def button(key: str, action: CaseAction) -> InlineKeyboardButton:
        data = CaseAct(declaration=case.stored.id, action=action).pack()
        return InlineKeyboardButton(text=tr(key), callback_data=data)

    rows = [
        [
            button("case-button-called", CaseAction.CALLED),
            button("case-button-handled", CaseAction.HANDLED),
        ]
    ]
    if case.stored.declaration.phone and not case.full_phone:
        rows.append([button("case-button-phone", CaseAction.PHONE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
