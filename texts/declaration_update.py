"""/declare with an active declaration: what it shows, and its two buttons."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.declarations.update import ActiveDeclaration, MyState
from texts.declarations import category_text
from texts.i18n import Translator
from texts.keyboards import RowId
from texts.trips import declaration_trip_lines


class ActiveAction(StrEnum):
    UPDATE = "update"
    SAME = "same"  # nothing changed


class DeclActive(CallbackData, prefix="v1dcla"):
    """A button under the active declaration; its id is checked again on press."""

    action: ActiveAction
    id: RowId


def _period(tr: Translator, active: ActiveDeclaration) -> list[str]:
    if active.days <= 0:
        return []
    last = (active.end - timedelta(days=1)).isoformat()
    start = active.start.isoformat()
    if active.ended:  # not "day 14 of 14" on the days after: it ended on its last day
        return [tr("declare-active-ended", start=start, last=last)]
    return [tr("declare-active-period", start=start, last=last, day=active.day, days=active.days)]


def mine_text(tr: Translator, state: MyState | None, zone: ZoneInfo) -> str:
    """/mine: the resident's own state, or where to start."""
    if state is None:
        return tr("mine-none")
    stored = state.active.stored
    category = category_text(tr, stored.classification.category)
    lines = [
        tr("mine-title", id=stored.id, version=stored.version),
        tr("declare-active-category", category=category),
        *declaration_trip_lines(tr, stored.declaration),
    ]
    release = stored.release
    if release is None:
        lines += _period(tr, state.active)
    else:  # no "day n of N" any more: the period ended early
        day = release.at.astimezone(zone).date().isoformat()
        lines.append(tr("mine-released", day=day, reason=release.reason))
    if state.next_test is not None:
        lines.append(tr("mine-next-test", day=state.next_test.isoformat()))
    if state.checkin_today is not None:
        lines.append(tr("mine-checkin-done" if state.checkin_today else "mine-checkin-open"))
    return "\n".join(lines)


def active_lines(tr: Translator, active: ActiveDeclaration) -> list[str]:
    """Its category, the plan of a trip, and the period (a proxy one's text shares them)."""
    category = category_text(tr, active.stored.classification.category)
    return [
        tr("declare-active-category", category=category),
        *declaration_trip_lines(tr, active.stored.declaration),
        *_period(tr, active),
    ]


def active_text(tr: Translator, active: ActiveDeclaration, zone: ZoneInfo) -> str:
    stored = active.stored
    submitted = stored.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    title = tr("declare-active-title", id=stored.id, version=stored.version, submitted=submitted)
    return "\n".join([title, *active_lines(tr, active), tr("declare-active-ask")])


def active_keyboard(tr: Translator, declaration_id: int) -> InlineKeyboardMarkup:
    def button(key: str, action: ActiveAction) -> InlineKeyboardButton:
        data = DeclActive(action=action, id=declaration_id)
        return InlineKeyboardButton(text=tr(key), callback_data=data.pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button("declare-active-update", ActiveAction.UPDATE),
                button("declare-active-same", ActiveAction.SAME),
            ]
        ]
    )
