"""The notice confirmations ledger: one row per recipient of every notice sent in the period
to the scope's units, whether and when they confirmed, and what they asked (no phone numbers:
nothing to mask)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from domain.exports import ExportScope
from domain.org import OrgTree
from services.exports.ledger import Column, Label, Ledger, Row, nothing
from storage import Repositories
from storage.repos.exports import ExportRepository

EXCERPT = 40  # characters of the notice's text

NOTICE_COLUMNS = (
    Column("number", 8),
    Column("sent-at", 18),
    Column("author", 12),
    Column("excerpt", 30),
    Column("unit", 18),
    Column("recipient", 14),
    Column("recipient-kind", 10),
    Column("notice-state", 12),
    Column("confirmed-at", 18),
    Column("question", 30),
    Column("answer", 30),
)


def excerpt(text: str) -> str:
    """The notice's text on one line, cut to EXCERPT characters. A template notice keeps its
    text in the author's language too, which is what the ledger shows."""
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1] + "…"


def notices_ledger(
    repos: Repositories,
    reads: ExportRepository,
    scope: ExportScope,
    tree: OrgTree,
    bounds: tuple[datetime, datetime],
) -> Ledger:
    codes = {unit.code for unit in tree.subtree(scope.unit_code)}
    unit_name = tree.get(scope.unit_code).name if scope.unit_code in tree else scope.unit_code
    ledger = Ledger(scope, unit_name, NOTICE_COLUMNS, nothing())

    async def pages() -> AsyncIterator[list[Row]]:
        async for page in reads.notice_confirmations(codes, *bounds):
            people = {line.person_id for line in page if line.person_id is not None}
            people |= {line.author_id for line in page}
            names = {pid: p.name for pid, p in (await repos.people.many(people)).items()}
            rows: list[Row] = []
            for line in page:
                state = f"export-notice-{line.state.value}"
                ledger.summary[state] += 1
                unit = tree.get(line.unit_code).name if line.unit_code in tree else line.unit_code
                person = line.person_id
                rows.append(
                    (
                        line.notice_id,
                        line.sent_at,
                        names.get(line.author_id, str(line.author_id)),
                        excerpt(line.text),
                        unit,
                        names.get(person, str(person)) if person is not None else None,
                        Label(f"export-recipient-{line.kind.value}"),
                        Label(state),
                        line.confirmed_at,
                        line.question,
                        line.answer,
                    )
                )
            ledger.rows += len(rows)
            yield rows

    ledger.pages = pages()
    return ledger
