"""`/audit`: a page of the access log in the reader's language, and its ‹ › buttons.

The buttons carry only the filter (a person's id, the period's days) and the page: nothing of
what the log says, and the handler checks again that the presser is an admin."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from domain.audit_targets import parse
from services.audit_log import LogLine, LogPage, Period
from services.cases import UNMASK as UNMASK_ACTION
from storage.records import AuditEntry
from texts.i18n import Translator, catalog
from texts.keyboards import MAX_ROW_ID
from texts.messaging import shorten
from texts.rendering import local_time

DETAIL_LIMIT = 160  # a line's detail is a reminder of it; the command line gives it whole
NO_DAY = 0  # an open end of the period
Day = Annotated[int, Field(ge=NO_DAY, le=date.max.toordinal())]
"""A day as its proleptic ordinal (date.toordinal), 0 for none: 6 digits instead of 10."""
PersonId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]
"""A Telegram user id, 0 for everyone."""
Page = Annotated[int, Field(ge=0, le=99_999)]


class AuditPage(CallbackData, prefix="v1aud"):
    """Another page of the log for the same filter."""

    person: PersonId
    since: Day
    until: Day
    page: Page


def _day(value: int) -> date | None:
    return None if value == NO_DAY else date.fromordinal(value)


def _ordinal(day: date | None) -> int:
    return NO_DAY if day is None else day.toordinal()


def period_of(data: AuditPage) -> Period:
    return Period(_day(data.since), _day(data.until))


def action_name(tr: Translator, action: str) -> str:
    """The action in the reader's words; an action without a catalog name as it is stored."""
    key = "audit-action-" + action.replace(".", "-").replace("_", "-")
    return tr(key) if key in catalog(tr.language) else action


def target_text(tr: Translator, text: str | None) -> str:
    """What an entry is about, in the reader's words: a record by its kind and number (either
    spelling the log holds, domain.audit_targets), a few fixed targets by name, the rest (a
    unit's code, a period) as stored."""
    if not text:
        return "-"
    parsed = parse(text)
    if parsed is not None:
        return tr("audit-target-" + parsed.kind.value.replace("_", "-"), id=parsed.id)
    key = "audit-target-" + text.replace(" ", "-")
    return tr(key) if key in catalog(tr.language) else text


def _line(tr: Translator, line: LogLine, zone: ZoneInfo) -> str:
    entry: AuditEntry = line.entry
    text = tr(
        "audit-line",
        at=local_time(entry.at, zone),
        who=line.who or tr("audit-system"),
        action=action_name(tr, entry.action),
        target=target_text(tr, entry.target),
        outcome=tr("audit-allowed" if entry.allowed else "audit-refused"),
    )
    # Only the purpose a reader typed to see a number is shown: other details are the
    # office's (ids, counts, message keys), printed whole by `python -m bot audit`.
    if entry.detail and entry.action == UNMASK_ACTION:
        text += "\n" + tr("audit-detail", detail=shorten(entry.detail, DETAIL_LIMIT))
    return text


def audit_page_text(tr: Translator, page: LogPage, zone: ZoneInfo) -> str:
    lines = [tr("audit-title", total=page.total)]
    if page.person is not None:
        lines.append(tr("audit-filter-person", name=page.person_name or "-", id=page.person))
    period = page.period
    if period.since is not None or period.until is not None:
        first = period.since.isoformat() if period.since else "…"
        last = period.until.isoformat() if period.until else "…"
        lines.append(tr("audit-filter-period", first=first, last=last))
    if not page.lines:
        lines.append(tr("audit-empty"))
        return "\n".join(lines)
    blocks = ["\n".join(lines), *(_line(tr, line, zone) for line in page.lines)]
    if page.pages > 1:
        blocks.append(tr("audit-page", page=page.page + 1, pages=page.pages))
    return "\n\n".join(blocks)  # an entry's lines kept together, entries apart


def _data(page: LogPage, number: int) -> str:
    return AuditPage(
        person=page.person or 0,
        since=_ordinal(page.period.since),
        until=_ordinal(page.period.until),
        page=number,
    ).pack()


def audit_page_keyboard(tr: Translator, page: LogPage) -> InlineKeyboardMarkup | None:
    turn = []
    if page.page > 0:
        turn.append(
            InlineKeyboardButton(
                text=tr("audit-previous"), callback_data=_data(page, page.page - 1)
            )
        )
    if page.page + 1 < page.pages:
        turn.append(
            InlineKeyboardButton(text=tr("audit-next"), callback_data=_data(page, page.page + 1))
        )
    return InlineKeyboardMarkup(inline_keyboard=[turn]) if turn else None


def several_people_text(tr: Translator, name: str, people: dict[int, str]) -> str:
    lines = [tr("audit-person-several", name=name)]
    lines += [tr("audit-person-choice", name=n, id=i) for i, n in sorted(people.items())]
    return "\n".join(lines)
