"""The declarations ledger (返乡人员台账): one row per declaration submitted in the period, an
update included (it says which declaration replaced it). Phone and ID numbers are masked
unless the reader calls the unit's residents; a purged declaration keeps only what the
retention purge leaves (no name, numbers or address)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime

from domain.declaration_steps import Step
from domain.exports import ExportScope, measure_state
from domain.org import OrgTree
from services.declaration_support import mask_address, mask_id_number, mask_phone
from services.exports.ledger import (
    Answer,
    Column,
    Label,
    Ledger,
    Masker,
    OriginCell,
    Row,
    nothing,
)
from storage.repos.exports import DeclarationPage, ExportedDeclaration, ExportRepository

COLUMNS = (
    Column("number", 8),
    Column("submitted", 18),
    Column("unit", 18),
    Column("code", 12),
    Column("resident", 12),
    Column("phone", 15),
    Column("id-number", 21),
    Column("address", 24),
    Column("proxy", 8),
    Column("status", 12),
    Column("origin", 28),
    Column("places", 40),
    Column("transport", 14),
    Column("arrival", 18),
    Column("category", 22),
    Column("measure-start", 12),
    Column("measure-end", 12),
    Column("measure-state", 12),
    Column("replaced-by", 10),
    Column("purged", 8),
)


_LABELS: dict[str, Label] = {}


def _label(key: str) -> Label:
    """The same few labels on every row, made once each."""
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS[key] = Label(key)
    return found


def _yes(value: bool) -> Label:
    return _label("export-yes" if value else "export-no")


def declaration_row(
    stored: ExportedDeclaration, unit: str, full: bool, today: date
) -> tuple[Row, str]:
    """The row (`unit`: the unit's name), and the summary label it counts under (its
    category)."""
    d = stored.answers
    measure = stored.measure
    category = stored.category.value
    personal = not stored.purged
    phone = d.phone if full else mask_phone(d.phone)
    number = d.id_number if full else mask_id_number(d.id_number)
    transport = None
    if personal and d.transport is not None:
        transport = Answer(Step.TRANSPORT, d.transport)
    state = measure_state(stored.start_date, measure.days, stored.released, today)
    row: Row = (
        stored.id,
        stored.submitted_at,
        unit,
        stored.unit_code,
        d.name if personal else None,
        phone if personal else None,
        number if personal else None,
        (d.address if full else _masked_address(d.address)) if personal else None,
        _yes(stored.proxy),
        _label(f"declare-opt-status-{d.status.value}"),
        OriginCell(d.origin),
        Answer(Step.STAYS, _stays(stored)) if personal and d.stays else None,
        transport,
        d.arrival,
        _label(f"followup-category-{category}"),
        stored.start_date,
        measure.end(stored.start_date) if measure.days > 0 else None,
        _label(f"export-measure-{state}"),
        stored.superseded_by,
        _yes(stored.purged),
    )
    return row, f"followup-category-{category}"


def _masked_address(address: str | None) -> str | None:
    return mask_address(address) if address else None


def _stays(stored: ExportedDeclaration) -> list[dict[str, object]]:
    return [
        {
            "place": stay["place"],
            "codes": list(stay.get("region_codes") or ()),
            "start": stay.get("start"),
            "end": stay.get("end"),
            "transit": bool(stay.get("transit")),
        }
        for stay in stored.answers.stays
    ]


def declarations_ledger(
    reads: ExportRepository,
    scope: ExportScope,
    tree: OrgTree,
    full_for: Masker,
    today: date,
    bounds: tuple[datetime, datetime],
) -> Ledger:
    codes = {unit.code for unit in tree.subtree(scope.unit_code)}
    ledger = Ledger(scope, tree.get(scope.unit_code).name, COLUMNS, nothing())

    names = {code: tree.get(code).name for code in codes}
    full = {code: full_for(code) for code in codes}

    def build(page: DeclarationPage) -> list[Row]:
        rows = []
        summary = ledger.summary
        for stored in page.read():
            code = stored.unit_code
            row, counted = declaration_row(stored, names.get(code, code), full[code], today)
            summary[counted] += 1
            rows.append(row)
        return rows

    async def pages() -> AsyncIterator[list[Row]]:
        async for page in reads.declarations(codes, *bounds):
            # Parsing the answers and building the rows is most of a page's work: in a worker
            # thread, so that a large export leaves the event loop to the other chats.
            rows = await asyncio.to_thread(build, page)
            ledger.rows += len(rows)
            yield rows

    ledger.pages = pages()
    return ledger
