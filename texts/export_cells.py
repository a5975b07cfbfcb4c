"""A ledger's cells in the reader's language, for texts/export_workbook.py: labels looked up
once each, declaration answers with the dialog's own catalog keys, times in local time.

Kept apart from texts/declaration_keyboards.py on purpose: that module brings aiogram and the
pinyin dictionaries (over 200 MB), which a ledger in Chinese does not need; English place
names load them only when asked for."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import regions
from domain.declaration_steps import Step
from domain.declarations import DomesticOrigin
from domain.org import Language
from services.exports.ledger import Answer, Cell, Label, OriginCell
from texts.i18n import Translator

AS_IS = frozenset({str, int, float, type(None), date})
"""Cell types written as they are (`CellText` returns them unchanged)."""
_STAY_LINES = {
    (True, True): "declare-stay-line",
    (True, False): "declare-stay-line-from",
    (False, True): "declare-stay-line-until",
    (False, False): "declare-stay-line-undated",
}


def plain(text: str) -> str:
    """A catalog message (Telegram HTML) as a cell's text."""
    return html.unescape(text.replace("<b>", "").replace("</b>", ""))


class CellText:
    """Renders cells in one language."""

    def __init__(self, tr: Translator, zone: ZoneInfo) -> None:
        self._tr, self._zone = tr, zone
        self._labels: dict[str, str] = {}
        self._regions: dict[str, str] = {}

    def label(self, key: str) -> str:
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = plain(self._tr(key))
        return found

    def __call__(self, cell: Cell) -> Any:
        if type(cell) in AS_IS:  # most cells: one test instead of five
            return cell
        if isinstance(cell, datetime):
            # Excel has no time zones: the local time, as the reader's clock shows it. A naive
            # time (a declared arrival) is local already.
            if cell.tzinfo is None:
                return cell
            return cell.astimezone(self._zone).replace(tzinfo=None)
        if isinstance(cell, Label):
            return self.label(cell.key)
        if isinstance(cell, Answer):
            return self._answer(cell)
        if isinstance(cell, OriginCell):
            return self._origin(cell)
        return cell

    def region(self, code: str) -> str:
        found = self._regions.get(code)
        if found is None:
            if self._tr.language is Language.EN:
                from domain.place_names import english_full_name

                found = english_full_name(code)
            else:
                found = regions.full_name(code)
            self._regions[code] = found
        return found

    def _answer(self, cell: Answer) -> str:
        value, label = cell.value, self.label
        if cell.step == Step.TRANSPORT:
            kind, number = value
            shown = label(f"declare-opt-transport-{kind}")
            return f"{shown} {number}" if number else shown
        if cell.step == Step.SYMPTOMS:
            names = [label(f"symptom-{item}") for item in value]
            return label("list-separator").join(names) or label("declare-nothing")
        if cell.step == Step.TESTRES:
            return label(f"declare-opt-testres-{value}")
        if cell.step == Step.STAYS:
            return label("declare-stay-separator").join(self._stay(stay) for stay in value)
        return str(value)

    def _stay(self, stay: dict[str, Any]) -> str:
        codes = stay.get("codes") or ()
        place = self.region(codes[-1]) if codes else str(stay.get("place", ""))
        start, end = stay.get("start"), stay.get("end")
        kind = self.label("declare-opt-stransit-" + ("yes" if stay.get("transit") else "no"))
        key = _STAY_LINES[bool(start), bool(end)]
        return plain(self._tr(key, place=place, start=start or "", end=end or "", kind=kind))

    def _origin(self, cell: OriginCell) -> str | None:
        origin = cell.origin
        if isinstance(origin, DomesticOrigin):
            if origin.region_codes:
                return self.region(origin.region_codes[-1]) or None
            return "".join(origin.region_names) or None
        return " ".join(part for part in (origin.country, origin.port_of_entry) if part)
