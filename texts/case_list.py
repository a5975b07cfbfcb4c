"""`/cases`: the page of residents under a measure with its buttons (each opens the case card,
‹ › turn the page), and a supervisor's counts per unit with drill-down buttons."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from services.case_list import PAGE_SIZE, CaseCounts, CaseLine, CasePage, UnitCount
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import category_text
from texts.i18n import Html, Translator

MAX_DATA = 64  # Telegram's limit on a button's callback data, in bytes
Page = Annotated[int, Field(ge=0, le=9999)]


class CaseListPage(CallbackData, prefix="v1cl"):
    """A page of the list: a unit ("" for the presser's own units), the page, the search.
    The handler checks the presser's right to the unit again."""

    unit: str
    page: Page
    query: str


class CaseCountsOpen(CallbackData, prefix="v1cc"):
    """A supervisor's counts per unit below `unit` ("" for the presser's top units)."""

    unit: str


def list_data(unit: str, page: int, query: str) -> str:
    """The packed data; the search is shortened to fit the 64 bytes (a long unit code
    leaves less room for it)."""
    query = query.replace(":", "")
    while True:
        try:
            text = CaseListPage(unit=unit, page=page, query=query).pack()
        except ValueError:  # aiogram refuses more than 64 bytes
            if not query:
                raise
            query = query[:-1]
            continue
        if len(text.encode()) <= MAX_DATA:
            return text
        query = query[:-1]


def _line(tr: Translator, index: int, line: CaseLine, many_units: bool) -> str:
    category = category_text(tr, line.category)
    parts = [
        # A referral (no period) has no "day n of N".
        tr(
            "cases-line",
            index=index,
            name=line.name,
            category=category,
            day=line.day,
            days=line.days,
        )
        if line.days
        else tr("cases-line-referral", index=index, name=line.name, category=category),
        tr("cases-checkin", state=tr(f"cases-checkin-{line.checkin.value}")),
    ]
    if line.test is not None:
        parts.append(tr("cases-test", state=tr(f"cases-test-{line.test.value}")))
    if many_units:
        parts.append(line.unit_name)
    text = " · ".join(parts)
    flags = []
    if line.immediate_report:
        flags.append(tr("cases-flag-immediate"))
    if line.handling_open:  # what it says covers "nothing recorded" too
        flags.append(tr("cases-flag-unhandled"))
    elif line.no_action:
        flags.append(tr("cases-flag-no-action"))
    if line.unlocated:
        flags.append(tr("cases-flag-unlocated", n=line.unlocated))
    if flags:
        text += "\n    " + " ".join(flags)
    return text


def case_page_text(tr: Translator, page: CasePage) -> str:
    if page.unit_name is not None:
        lines = [tr("cases-title-unit", unit=page.unit_name, count=page.total)]
    else:
        lines = [tr("cases-title", count=page.total)]
    if page.query:
        lines.append(tr("cases-search", query=page.query))
    if not page.lines:
        lines.append(tr("cases-none-found" if page.query else "cases-empty"))
        return "\n".join(lines)
    many_units = len({line.unit_name for line in page.lines}) > 1
    first = page.page * PAGE_SIZE + 1
    lines += [_line(tr, first + i, line, many_units) for i, line in enumerate(page.lines)]
    if page.pages > 1:
        lines.append(tr("cases-page", page=page.page + 1, pages=page.pages))
    return "\n".join(lines)


def case_page_keyboard(tr: Translator, page: CasePage) -> InlineKeyboardMarkup | None:
    first = page.page * PAGE_SIZE + 1
    rows = [
        [
            InlineKeyboardButton(
                # Button labels are plain text: the name is not escaped.
                text=tr("cases-open", index=first + i, name=Html(line.name)),
                callback_data=CaseAct(
                    declaration=line.declaration_id, action=CaseAction.VIEW
                ).pack(),
            )
        ]
        for i, line in enumerate(page.lines)
    ]
    turn = []
    if page.page > 0:
        turn.append(
            InlineKeyboardButton(
                text=tr("cases-previous"),
                callback_data=list_data(page.unit, page.page - 1, page.query),
            )
        )
    if page.page + 1 < page.pages:
        turn.append(
            InlineKeyboardButton(
                text=tr("cases-next"),
                callback_data=list_data(page.unit, page.page + 1, page.query),
            )
        )
    if turn:
        rows.append(turn)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _count_line(tr: Translator, row: UnitCount) -> str:
    key = "cases-count-own" if row.own else "cases-count"
    return tr(key, unit=row.unit.name, residents=row.residents, missing=row.missing)


def case_counts_text(tr: Translator, counts: CaseCounts) -> str:
    unit = counts.unit.name if counts.unit is not None else None
    lines = [tr("cases-counts-title-unit", unit=unit) if unit else tr("cases-counts-title")]
    lines += [_count_line(tr, row) for row in counts.rows]
    if not counts.rows:
        lines.append(tr("cases-empty"))
    residents = sum(row.residents for row in counts.rows)
    missing = sum(row.missing for row in counts.rows)
    lines.append(tr("cases-counts-total", residents=residents, missing=missing))
    return "\n".join(lines)


def case_counts_keyboard(tr: Translator, counts: CaseCounts) -> InlineKeyboardMarkup | None:
    rows = []
    for row in counts.rows:
        data: str = (
            CaseCountsOpen(unit=row.unit.code).pack()
            if row.below
            else list_data(row.unit.code, 0, "")
        )
        label = tr("cases-drill-own" if row.own else "cases-drill", unit=Html(row.unit.name))
        rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
