"""/notices: the ledger's text and buttons, and one notice's confirmations as .xlsx in the
reader's language (times as real Excel dates, local time)."""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from openpyxl import Workbook
from pydantic import Field

from domain.notices import NoticeState, RepeatKind, RepeatRule
from services.notice_ledger import ConfirmationRow, LedgerLine, LedgerPage
from texts.i18n import Translator
from texts.keyboards import RowId
from texts.messaging import shorten
from texts.notice_render import NoticeTemplates, excerpt_source

EXCERPT = 40
COLUMNS = ("who", "unit", "kind", "state", "sent", "confirmed", "question", "answer")
WIDTHS = (14, 16, 12, 12, 18, 18, 30, 30)


class LedgerAct(StrEnum):
    OPEN = "o"  # the notice's status card
    EXPORT = "x"  # its confirmations as .xlsx
    STOP = "r"  # stop a repeat (the id is the repeat's)
    CANCEL = "c"  # cancel a scheduled notice before it is sent


class NoticeLedger(CallbackData, prefix="v1ncl"):
    act: LedgerAct
    id: RowId


class NoticeLedgerPage(CallbackData, prefix="v1nclp"):
    offset: Annotated[int, Field(ge=0, le=100_000)]


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment is not None else ""


def _line(
    tr: Translator, line: LedgerLine, zone: tzinfo, templates: NoticeTemplates | None = None
) -> str:
    notice, counts = line.notice, line.counts
    # Plain text: the translator escapes it (once).
    excerpt = shorten(excerpt_source(tr, notice.content, templates or {}), EXCERPT)
    if notice.state is NoticeState.CANCELLED:
        rate = tr("ncl-cancelled")
    elif not notice.ack_required:
        rate = tr("ncl-no-ack")
    else:
        rate = tr(
            "ncl-rate",
            confirmed=counts.confirmed,
            total=counts.total,
            percent=round(counts.rate * 100),
        )
        if line.partial:
            rate += tr("ncl-part-mark")
    key = "ncl-line-scheduled" if notice.state is NoticeState.SCHEDULED else "ncl-line"
    return tr(key, id=notice.id, at=_local(notice.send_at, zone), text=excerpt, rate=rate)


def _repeat(tr: Translator, rule: RepeatRule) -> str:
    times = ", ".join(t.strftime("%H:%M") for t in rule.repeat.times)
    if rule.repeat.kind is RepeatKind.DAILY:
        when = tr("ncp-summary-daily", times=times, until=rule.repeat.until.isoformat())
    else:
        days = "、".join(tr(f"ncp-weekday-{d}") for d in rule.repeat.weekdays)
        when = tr("ncp-summary-weekly", days=days, times=times, until=rule.repeat.until.isoformat())
    excerpt = shorten(" ".join(rule.request.content.text.split()), EXCERPT)
    return tr("ncl-repeat", id=rule.id, text=excerpt, when=when)


def ledger_text(
    tr: Translator, page: LedgerPage, zone: tzinfo, templates: NoticeTemplates | None = None
) -> str:
    if not page.lines and not page.repeats:
        return tr("ncl-empty")
    lines = [tr("ncl-title")]
    lines += [_line(tr, line, zone, templates) for line in page.lines]
    if page.repeats:
        lines += ["", tr("ncl-repeats-title")]
        lines += [_repeat(tr, rule) for rule in page.repeats]
    return "\n".join(lines)


def _button(text: str, act: LedgerAct, id_: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=NoticeLedger(act=act, id=id_).pack())


def ledger_keyboard(tr: Translator, page: LedgerPage, offset: int) -> InlineKeyboardMarkup | None:
    rows = []
    for line in page.lines:
        id_ = line.notice.id
        row = [
            _button(tr("ncl-button-open", id=id_), LedgerAct.OPEN, id_),
            _button(tr("ncl-button-export"), LedgerAct.EXPORT, id_),
        ]
        if id_ in page.cancellable:
            row.append(_button(tr("ncl-button-cancel", id=id_), LedgerAct.CANCEL, id_))
        rows.append(row)
    rows += [[_button(tr("ncl-button-stop", id=r.id), LedgerAct.STOP, r.id)] for r in page.repeats]
    if page.more:
        older = NoticeLedgerPage(offset=offset + len(page.lines)).pack()
        rows.append([InlineKeyboardButton(text=tr("ncl-button-older"), callback_data=older)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def confirmations_workbook(
    tr: Translator, notice_id: int, rows: list[ConfirmationRow], zone: tzinfo
) -> bytes:
    """The sheet: a header row (frozen, filtered) and one row per recipient."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = tr("ncl-sheet", id=notice_id)[:31]
    sheet.append([tr(f"ncl-col-{c}") for c in COLUMNS])
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width

    def local(moment: datetime | None) -> datetime | None:
        # Excel has no time zones: the local wall-clock time, as people read it.
        return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None

    for row in rows:
        sheet.append(
            [
                row.who,
                row.unit,
                tr(f"ncl-kind-{row.kind.value}"),
                tr(f"ncl-state-{row.state.value}"),
                local(row.sent_at),
                local(row.confirmed_at),
                row.question or "",
                row.answer or "",
            ]
        )
    for cells in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in cells:
            cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:H{len(rows) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
