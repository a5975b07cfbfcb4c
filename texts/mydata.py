"""`/mydata`: what is held about the caller, as a message and as a JSON file; the buttons of
a correction and an erasure request; the correction messages the outbox carries.

The buttons carry only an action and, for a correction, the request's id: the handler checks
the presser's role for the request's unit on every press."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.corrections import ACCEPTED, Correction
from domain.declaration_json import declaration_to_dict
from domain.declarations import TestResult
from domain.measure_data import measure_to_data
from domain.org import Language
from services.mydata import HeldDeclaration, MyData
from texts.audit import action_name, target_text
from texts.declarations import category_text
from texts.i18n import Translator
from texts.keyboards import LANGUAGE_NAMES, RowId
from texts.privacy_notice import version_text
from texts.rendering import local_time
from texts.result_keyboards import result_name
from texts.trips import declaration_trip_lines

ACCESS_SHOWN = 20  # the message shows the latest entries; the file has them all
_RESULTS = frozenset(result.value for result in TestResult)


class MyAction(StrEnum):
    CORRECT = "c"
    ERASE = "e"
    ERASE_YES = "y"
    ERASE_NO = "n"


class MyDataAct(CallbackData, prefix="v1my"):
    action: MyAction


class CorrectionDecision(StrEnum):
    ACCEPT = "a"
    REFUSE = "r"


class CorrectionAct(CallbackData, prefix="v1cor"):
    request: RowId
    decision: CorrectionDecision


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def mydata_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(tr("mydata-correct"), MyDataAct(action=MyAction.CORRECT))],
            [_button(tr("mydata-erase"), MyDataAct(action=MyAction.ERASE))],
        ]
    )


def erase_confirm_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(tr("mydata-erase-yes"), MyDataAct(action=MyAction.ERASE_YES)),
                _button(tr("mydata-erase-no"), MyDataAct(action=MyAction.ERASE_NO)),
            ]
        ]
    )


def _declaration_lines(tr: Translator, held: HeldDeclaration, zone: ZoneInfo) -> list[str]:
    stored = held.stored
    lines = [
        tr(
            "mydata-declaration",
            id=stored.id,
            version=stored.version,
            submitted=local_time(stored.submitted_at, zone),
            category=category_text(tr, stored.classification.category),
            start=stored.start_date.isoformat(),
            days=stored.classification.measure.days,
        ),
        *declaration_trip_lines(tr, stored.declaration),
    ]
    answers = stored.declaration
    if answers.name or answers.phone:
        lines.append(tr("mydata-identity", name=answers.name or "-", phone=answers.phone or "-"))
    for checkin in held.checkins:
        if checkin.temperature is None:  # erased (purge or erasure): the day stays
            lines.append(tr("mydata-checkin-erased", day=checkin.day.isoformat()))
            continue
        lines.append(
            tr("mydata-checkin", day=checkin.day.isoformat(), temperature=checkin.temperature)
        )
    for test in held.tests:
        result = (
            result_name(tr, TestResult(test.result))
            if test.result in _RESULTS
            else tr("mydata-erased")
        )
        lines.append(tr("mydata-test", day=test.day.isoformat(), result=result))
    for entry, who in held.actions:
        lines.append(
            tr(
                "mydata-action",
                at=local_time(entry.at, zone),
                who=who,
                action=entry.step.value,
                note=entry.note or "-",
            )
        )
    return lines


def mydata_text(tr: Translator, data: MyData, zone: ZoneInfo) -> str:
    person = data.person
    lines = [tr("mydata-title")]
    if person is not None:
        lines.append(
            tr(
                "mydata-person",
                name=person.name,
                language=LANGUAGE_NAMES[person.language],
                phone=person.phone or "-",
            )
        )
    for assignment in data.roles:
        lines.append(
            tr(
                "mydata-role",
                role=tr(f"role-{assignment.role.value}"),
                unit=data.unit_names.get(assignment.unit_code, assignment.unit_code),
            )
        )
    for notice in data.notices:
        at = local_time(notice.accepted_at, zone)
        lines.append(tr("notice-accepted-line", version=version_text(tr, notice.version), at=at))
    if not data.declarations:
        lines.append(tr("mydata-no-declarations"))
    for held in data.declarations:
        lines.append("")
        lines += _declaration_lines(tr, held, zone)
    if data.filed_for_others:
        lines.append(tr("mydata-filed-for-others", n=data.filed_for_others))
    for request in data.corrections:
        state = tr(f"mydata-state-{request.state}")
        lines.append(tr("mydata-correction-line", id=request.id, state=state))
    lines.append("")
    lines.append(
        tr("mydata-access-title", n=len(data.access)) if data.access else tr("mydata-access-none")
    )
    for entry, who in data.access[-ACCESS_SHOWN:]:
        line = tr(
            "mydata-access",
            at=local_time(entry.at, zone),
            who=who or tr("audit-system"),
            action=action_name(tr, entry.action),
            target=target_text(tr, entry.target),
        )
        # A refused attempt did not happen: it is shown, as refused.
        lines.append(line if entry.allowed else line + tr("mydata-access-refused"))
    lines.append("")
    lines.append(tr("mydata-file-note"))
    return "\n".join(lines)


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _declaration_json(held: HeldDeclaration) -> dict[str, Any]:
    stored = held.stored
    return {
        "id": stored.id,
        "version": stored.version,
        "unit": stored.unit_code,
        "proxy": stored.proxy,
        "submitted_at": _iso(stored.submitted_at),
        "start_date": _iso(stored.start_date),
        "superseded_by": stored.superseded_by,
        "answers": declaration_to_dict(stored.declaration),
        "category": stored.classification.category.value,
        "measure": measure_to_data(stored.classification.measure),
        "privacy_notice": None
        if stored.notice is None
        else {"version": stored.notice.version, "accepted_at": _iso(stored.notice.accepted_at)},
        "released": None
        if stored.release is None
        else {"at": _iso(stored.release.at), "reason": stored.release.reason},
        "checkins": [
            {
                "day": _iso(c.day),
                "temperature": c.temperature,
                "symptoms": [s.value for s in c.symptoms],
            }
            for c in held.checkins
        ],
        "tests": [{"day": _iso(t.day), "result": t.result} for t in held.tests],
        "case_actions": [
            {"at": _iso(e.at), "by": who, "action": e.step.value, "note": e.note}
            for e, who in held.actions
        ],
    }


def mydata_json(data: MyData, now: datetime) -> bytes:
    """The copy sent as a file: UTF-8 JSON, one section per kind of record."""
    person = data.person
    document = {
        "generated_at": now.isoformat(),
        "person": None
        if person is None
        else {
            "telegram_id": person.telegram_id,
            "name": person.name,
            "language": person.language.value,
            "phone": person.phone,
        },
        "roles": [
            {
                "role": a.role.value,
                "unit": a.unit_code,
                "unit_name": data.unit_names.get(a.unit_code, a.unit_code),
            }
            for a in data.roles
        ],
        "privacy_notices": [
            {"version": n.version, "accepted_at": _iso(n.accepted_at)} for n in data.notices
        ],
        "declarations": [_declaration_json(held) for held in data.declarations],
        "filed_for_others": data.filed_for_others,
        "corrections": [
            {
                "id": c.id,
                "text": c.text,
                "requested_at": _iso(c.requested_at),
                "state": c.state,
                "decided_at": _iso(c.decided_at),
                "reason": c.reason,
            }
            for c in data.corrections
        ],
        "access_log": [
            {
                "at": _iso(e.at),
                "by": who,
                "action": e.action,
                "target": e.target,
                "allowed": e.allowed,
            }
            for e, who in data.access
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def mydata_filename(now: datetime, zone: ZoneInfo) -> str:
    return f"mydata-{now.astimezone(zone):%Y%m%d}.json"


class CorrectionTextsImpl:
    """services.mydata.CorrectionTexts with the bot's catalogs."""

    def to_staff(self, request: Correction, resident: str, language: Language) -> str:
        return Translator(language)(
            "mydata-correction-staff", id=request.id, name=resident, text=request.text
        )

    def staff_markup(self, request: Correction, language: Language) -> dict[str, Any]:
        tr = Translator(language)

        def button(key: str, decision: CorrectionDecision) -> dict[str, str]:
            data = CorrectionAct(request=request.id, decision=decision).pack()
            return {"text": tr(key), "callback_data": data}

        return {
            "inline_keyboard": [
                [
                    button("mydata-correction-accept", CorrectionDecision.ACCEPT),
                    button("mydata-correction-refuse", CorrectionDecision.REFUSE),
                ]
            ]
        }

    def outcome(self, request: Correction, language: Language) -> str:
        key = (
            "mydata-correction-accepted"
            if request.state == ACCEPTED
            else "mydata-correction-refused"
        )
        return Translator(language)(key, id=request.id, reason=request.reason or "")


CORRECTION_TEXTS = CorrectionTextsImpl()
