"""The report board a group sees (domain.boards): one message, edited in place, so it must
always fit in one Telegram message. Unit names and counts only, never who filed or what.

A board too long to list every unit (a county's supervisors group over hundreds of villages)
lists only the units not filed yet, and beyond that counts them: the filed ones are what the
counts say, and /status opens any unit.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from domain.boards import Board, BoardLine, BoardMark
from domain.forms import FormSpec
from domain.org import Language, Person, Unit
from domain.reports import Rollup
from texts.i18n import Html, Translator
from texts.messaging import TELEGRAM_TEXT_LIMIT
from texts.reports import ReportTexts

# Room left under Telegram's limit for the title and the counts.
BOARD_BUDGET = TELEGRAM_TEXT_LIMIT - 600
_UNFILED = (BoardMark.PENDING, BoardMark.MISSING)


def _unit_lines(tr: Translator, lines: Sequence[BoardLine], budget: int) -> tuple[list[str], int]:
    """The lines, under their parent's name when they have several parents, within `budget`
    characters; (lines, units left out)."""
    parents = {line.parent.code if line.parent else None for line in lines}
    out: list[str] = []
    used = 0
    shown_parent: str | None = None
    for index, line in enumerate(lines):
        piece = []
        parent = line.parent
        if len(parents) > 1 and parent is not None and parent.code != shown_parent:
            piece.append(tr("board-parent", parent=parent.name))
            shown_parent = parent.code
        piece.append(tr(f"board-line-{line.mark.value}", unit=line.unit.name))
        size = sum(len(p) + 1 for p in piece)
        if used + size > budget:
            return out, len(lines) - index
        out += piece
        used += size
    return out, 0


def board_text(tr: Translator, board: Board, zone: ZoneInfo) -> str:
    day = board.day.isoformat()
    if board.closed or board.due_at is None:
        title = tr("board-title-closed", unit=board.root.name, day=day)
    else:
        due = board.due_at.astimezone(zone).strftime("%H:%M")
        title = tr("board-title", unit=board.root.name, day=day, due=due)
    t = board.tally
    counts = tr(
        "board-tally",
        expected=t.expected,
        submitted=t.submitted,
        zero=t.zero,
        late=t.late,
        excused=t.excused,
        pending=board.pending,
        missing=t.missing,
    )
    lines, left = _unit_lines(tr, board.lines, BOARD_BUDGET)
    if left:
        # Too many to list: the units not filed yet are what a group acts on.
        unfiled = [line for line in board.lines if line.mark in _UNFILED]
        lines, left = _unit_lines(tr, unfiled, BOARD_BUDGET)
        lines = [tr("board-only-unfiled"), *lines]
    if left:
        lines.append(tr("board-more", count=left))
    if not board.lines:
        lines = [tr("board-none")]
    parts = [title, "", *lines, "", counts]
    if board.closed:
        parts.append(tr("board-closed-note"))
    return "\n".join(parts)


def _mention(person: Person) -> str:
    name = html.escape(person.name, quote=False)
    return f'<a href="tg://user?id={person.telegram_id}">{name}</a>'


class BoardTexts:
    """The renderer services.reports.boards is given: boards, the roll-up a supervisors group
    gets at the deadline (the supervisors' own), and the optional mention of liaisons."""

    def __init__(self) -> None:
        self._reports = ReportTexts()

    def board(self, board: Board, language: Language, zone: ZoneInfo) -> str:
        return board_text(Translator(language), board, zone)

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        # A group's roll-up: the units with free text are named, the text is not quoted.
        return self._reports.rollup(rollup, language, form, group=True)

    def missing_mention(
        self, missing: Sequence[tuple[Unit, Sequence[Person]]], language: Language
    ) -> str:
        tr = Translator(language)
        separator = tr("list-separator")
        lines = [tr("board-mention-title")]
        for unit, people in missing:
            who = (
                Html(separator.join(_mention(p) for p in people))
                if people
                else tr("board-mention-nobody")
            )
            lines.append(tr("board-mention-line", unit=unit.name, people=who))
        return "\n".join(lines)
