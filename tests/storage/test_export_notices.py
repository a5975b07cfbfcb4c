"""The notice confirmations ledger (services/exports/notices.py), read back from the file:
every recipient of the notices sent in the period to the scope's units, and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from domain.exports import ExportKind
from domain.notices import Audience, NoticeContent, NoticeRequest, NoticeState, RecipientKind
from domain.org import Language
from storage import Database, Repositories
from tests.storage.test_exports import (
    CALLER,
    DAY1,
    DAY2,
    EN,
    LIAISON,
    ZH,
    at,
    body,
    export,
    seed,
    summary,
)

AUTHOR = 1001  # the county's supervisor (王主任)
MEMBER = 3001
TEXT = "各村请于今晚八点前完成返乡人员排查，并将结果报至镇防控办，不得遗漏任何一户人家。谢谢配合"


async def notice(
    repos: Repositories, sent: datetime, state: NoticeState, text: str = TEXT
) -> list[int]:
    request = NoticeRequest(
        author_id=AUTHOR,
        content=NoticeContent(text),
        unit_codes=("dongguan", "hexi"),
        audiences=frozenset({Audience.LIAISONS, Audience.MEMBERS}),
        ack_required=True,
        ack_by=sent + timedelta(days=1),
    )
    notice_id = await repos.notices.create(request, send_at=sent, state=state, now=sent)
    assert notice_id is not None
    await repos.notices.add_recipients(
        notice_id,
        [
            (RecipientKind.LIAISON, "dongguan", LIAISON, f"{notice_id}:l"),
            (RecipientKind.LIAISON, "hexi", None, None),  # no liaison: unreachable
            (RecipientKind.MEMBER, "hexi", MEMBER, f"{notice_id}:m"),
        ],
    )
    return [r.id for r in await repos.notices.recipients(notice_id)]


async def seed_notices(database: Database) -> int:
    async with database.transaction() as session:
        repos = Repositories(session)
        await seed(repos)
        await repos.people.ensure(LIAISON, "张联络", Language.ZH_CN, now=at(DAY1, 8))
        await repos.people.ensure(MEMBER, "李成员", Language.ZH_CN, now=at(DAY1, 8))
        liaison, _hexi, member = await notice(repos, at(DAY1, 9), NoticeState.SENT)
        first = await repos.notices.recipient(liaison)
        assert first is not None
        await repos.notices.acknowledge(first, by=LIAISON, at=at(DAY1, 10, 15))
        await repos.notices.ask(member, "外地务工人员算不算？", at=at(DAY1, 11))
        await repos.notices.answer(member, "算，一并排查", at=at(DAY1, 12))
        # Not in the ledger: cancelled, still scheduled, sent before the period.
        await notice(repos, at(DAY2, 9), NoticeState.CANCELLED, "取消")
        await notice(repos, at(DAY2, 10), NoticeState.SCHEDULED, "定时")
        await notice(repos, at(DAY1, 9) - timedelta(days=7), NoticeState.SENT, "上周")
        return liaison


async def test_the_notice_ledger_has_every_recipient_of_the_notices_sent(
    database: Database, tmp_path: Path
) -> None:
    await seed_notices(database)
    rows, book = await export(database, ExportKind.NOTICES, tmp_path)
    assert rows == 3
    assert book is not None
    assert book.sheetnames == [EN("export-sheet-summary"), EN("export-sheet-notices")]
    header = next(book.worksheets[1].iter_rows(values_only=True))
    assert header == tuple(
        EN(f"export-col-{key}")
        for key in ("number", "sent-at", "author", "excerpt", "unit", "recipient",
                    "recipient-kind", "notice-state", "confirmed-at", "question", "answer")
    )  # fmt: skip
    excerpt = TEXT[:39] + "…"
    sent = datetime(2026, 12, 1, 9)
    assert body(book) == [
        (1, sent, "王主任", excerpt, "东关村", "张联络", EN("export-recipient-liaison"),
         EN("export-notice-acknowledged"), datetime(2026, 12, 1, 10, 15), None, None),
        (1, sent, "王主任", excerpt, "河西街道", None, EN("export-recipient-liaison"),
         EN("export-notice-unreachable"), None, None, None),
        (1, sent, "王主任", excerpt, "河西街道", "李成员", EN("export-recipient-member"),
         EN("export-notice-question"), None, "外地务工人员算不算？", "算，一并排查"),
    ]  # fmt: skip
    counts = summary(book)
    assert counts[EN("export-notice-acknowledged")] == 1
    assert counts[EN("export-notice-unreachable")] == 1
    assert counts[EN("export-notice-question")] == 1


async def test_the_notice_ledger_keeps_to_the_scopes_units(
    database: Database, tmp_path: Path
) -> None:
    await seed_notices(database)
    rows, book = await export(
        database, ExportKind.NOTICES, tmp_path, tr=ZH, actor=CALLER, unit="dongguan"
    )
    assert rows == 1
    assert book is not None
    [row] = body(book)
    assert (row[4], row[5], row[7]) == ("东关村", "张联络", ZH("export-notice-acknowledged"))
