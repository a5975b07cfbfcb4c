"""The statistics' reader of notice confirmations (storage/repos/stats.py): only notices
sent in the period (local days) that asked to be acknowledged, each recipient as the
confirmation it stands for."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.notices import Audience, NoticeContent, NoticeRequest, NoticeState, RecipientKind
from domain.periods import Period
from domain.stats import NoticeConfirmation
from storage import Repositories
from storage.repos.stats import StatsRepository
from tests.stats_data import ZONE

WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))


async def notice(
    repos: Repositories,
    sent: datetime,
    *,
    ack: bool = True,
    state: NoticeState = NoticeState.SENT,
) -> int:
    request = NoticeRequest(
        author_id=1,
        content=NoticeContent("戴口罩"),
        unit_codes=("east",),
        audiences=frozenset({Audience.LIAISONS, Audience.MEMBERS}),
        ack_required=ack,
        ack_by=sent + timedelta(days=1) if ack else None,
    )
    notice_id = await repos.notices.create(request, send_at=sent, state=state, now=sent)
    assert notice_id is not None
    await repos.notices.add_recipients(
        notice_id,
        [
            (RecipientKind.LIAISON, "east", 11, f"{notice_id}:l"),
            (RecipientKind.LIAISON, "west", None, None),  # no liaison: still asked
            (RecipientKind.MEMBER, "east", 21, f"{notice_id}:m"),
        ],
    )
    return notice_id


async def test_only_sent_notices_asking_acknowledgement_in_the_period(
    repos: Repositories,
) -> None:
    # Monday 00:30 local is in the week; Sunday 23:30 before it and the next Monday are not.
    inside = await notice(repos, datetime(2026, 11, 30, 0, 30, tzinfo=ZONE))
    await notice(repos, datetime(2026, 11, 29, 23, 30, tzinfo=ZONE))
    await notice(repos, datetime(2026, 12, 7, 0, 30, tzinfo=ZONE))
    await notice(repos, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE), ack=False)
    await notice(repos, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE), state=NoticeState.CANCELLED)
    [liaison, _west, _member] = await repos.notices.recipients(inside)
    await repos.notices.acknowledge(liaison, by=11, at=datetime(2026, 11, 30, 2, 0, tzinfo=ZONE))

    found = await StatsRepository(repos.session).notice_confirmations(WEEK, None, ZONE)

    monday = date(2026, 11, 30)
    assert sorted(found, key=lambda c: c.confirms_for) == [
        NoticeConfirmation(inside, "east", monday, "person:21", False),
        NoticeConfirmation(inside, "east", monday, "unit:east", True),
        NoticeConfirmation(inside, "west", monday, "unit:west", False),
    ]
    only_west = await StatsRepository(repos.session).notice_confirmations(WEEK, {"west"}, ZONE)
    assert [c.unit_code for c in only_west] == ["west"]
