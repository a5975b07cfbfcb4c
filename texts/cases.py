"""The case card: a declaration as staff work it (who, why, where from, the follow-up so far
and what was done about it), and its buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.cases import CaseStep, read_result_fix
from domain.declarations import DomesticOrigin, OverseasOrigin, Stay
from domain.org import Language
from services.cases import Case
from services.declaration_support import mask_phone
from texts.case_details import alert_lines, answer_lines, arrival_text, version_lines
from texts.case_keyboards import CaseAct, CaseAction
from texts.declaration_keyboards import region_name, stay_text
from texts.declarations import category_text, reason_lines
from texts.i18n import Html, Translator
from texts.place_flags import CasePlace, PlaceAction, short_place
from texts.rendering import local_time, phone_display
from texts.retention import held_lines
from texts.trips import declaration_trip_lines

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
    ]
    # A plan to leave: its "origin" is the destination, shown with the dates as the plan.
    trip = declaration_trip_lines(tr, declaration)
    lines += trip or [tr("case-card-origin", origin=_origin(tr, declaration.origin))]
    arrival = arrival_text(declaration)
    if arrival is not None:
        lines.append(tr("case-card-arrival", at=arrival))
    if declaration.transport is not None:
        kind = tr(f"declare-opt-transport-{declaration.transport.kind.value}")
        number = declaration.transport.number or ""
        lines.append(tr("case-card-transport", transport=f"{kind} {number}".strip()))
    if declaration.stays:
        lines.append(tr("case-card-stays"))
        lines += [
            tr("case-card-stay", stay=Html(stay_text(tr, _stay(s)))) for s in declaration.stays
        ]
    lines += answer_lines(tr, case)
    lines.append(tr("case-card-submitted", at=local_time(stored.submitted_at, zone)))
    lines += version_lines(tr, case, zone)
    release = stored.release
    if release is not None:
        who = case.names.get(release.by, str(release.by))
        at = local_time(release.at, zone)
        lines.append(tr("case-card-released", at=at, name=who, reason=release.reason))
    lines += held_lines(tr, case, zone)
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
                    temperature=(
                        tr("case-card-erased")
                        if line.temperature is None
                        else f"{line.temperature:.1f}"
                    ),
                    symptoms=symptoms or tr("case-card-no-symptoms"),
                )
            )
    lines += alert_lines(tr, case, zone)
    lines.append(tr("case-card-log") if case.entries else tr("case-card-log-empty"))
    for entry in case.entries:
        who = case.names.get(entry.by, str(entry.by))
        at = local_time(entry.at, zone)
        key = f"case-entry-{entry.step.value}"
        if entry.step is CaseStep.LOCATED:  # the note is the division's code, or none
            division = region_name(tr, entry.note, with_above=True) if entry.note else ""
            lines.append(tr(key, at=at, name=who, division=division or tr("case-place-in-none")))
            continue
        fix = read_result_fix(entry.note) if entry.step is CaseStep.RESULT_FIXED else None
        if fix is not None:
            day, was, to = fix
            was, to = tr(f"case-test-{was}"), tr(f"case-test-{to}")
            lines.append(tr(key, at=at, name=who, day=day, was=was, to=to))
            continue
        lines.append(tr(key, at=at, name=who, note=entry.note or ""))
    return "\n".join(lines)


class CaseMarks:
    """services.case_alerts.MarkTexts: the line a case's alerts get once it is worked."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone

    def mark(self, step: CaseStep, name: str, at: datetime, language: Language) -> str:
        return Translator(language)(
            f"case-alert-mark-{step.value}", name=name, at=local_time(at, self._zone)
        )


def _stay(stay: Stay) -> dict[str, Any]:
    """A stored stay as the dialog's summary shows one (its place flagged when unlocated)."""
    return {
        "place": stay.place,
        "start": stay.start.isoformat() if stay.start else None,
        "end": stay.end.isoformat() if stay.end else None,
        "transit": stay.transit,
        "codes": list(stay.region_codes),
        "checked": stay.confirmed_unlisted,  # in no division, as staff confirmed: unflagged
    }


def _origin(tr: Translator, origin: DomesticOrigin | OverseasOrigin) -> str:
    """Where from, in the reader's language: the division by its code (a street typed after
    the district added as written)."""
    if isinstance(origin, OverseasOrigin):
        return origin.country
    codes, names = origin.region_codes, origin.region_names
    if not codes:
        return "".join(names)
    street = names[len(codes) :]
    division = region_name(tr, codes[-1], with_above=True)
    return " ".join((division, *street)) if street else division


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
    for position in case.stored.declaration.unlocated_stays():
        place = case.stored.declaration.stays[position].place
        data = CasePlace(declaration=case.stored.id, stay=position, action=PlaceAction.OPEN)
        label = tr("case-place-button", place=Html(short_place(place)))
        rows.append([InlineKeyboardButton(text=label, callback_data=data.pack())])
    if case.releasable:
        rows.append([button("case-button-release", CaseAction.RELEASE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def release_confirm_keyboard(tr: Translator, declaration_id: int) -> InlineKeyboardMarkup:
    def button(key: str, action: CaseAction) -> InlineKeyboardButton:
        data = CaseAct(declaration=declaration_id, action=action).pack()
        return InlineKeyboardButton(text=tr(key), callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button("case-release-yes", CaseAction.RELEASE_YES),
                button("case-release-no", CaseAction.RELEASE_NO),
            ]
        ]
    )
