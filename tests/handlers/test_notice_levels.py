"""A notice to a whole subtree's liaisons counts the units that have (or should have) a
liaison, not the levels above them: the county office and a township run by supervisors have
no liaison to tell, and their units confirm for them. A unit without a liaison and with no
unit of the scope below it still counts, unconfirmed, so a vacancy is seen and escalates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain.notices import RecipientState, tally
from domain.obligations import Obligation, ObligationKey, ObligationKind
from storage import Repositories
from tests.handlers.conftest import Harness
from tests.handlers.test_notices import LIAISON, SENT, send_notice


async def test_the_levels_above_the_units_of_the_scope_are_not_recipients(
    harness: Harness,
) -> None:
    harness.clock.set(SENT)
    notice_id = await send_notice(harness, units=("xian", "chengguan", "hexi", "dongguan"))
    recipients = await harness.repos(lambda r: r.notices.recipients(notice_id))
    assert sorted((r.unit_code, r.person_id, r.state) for r in recipients) == [
        ("dongguan", LIAISON, RecipientState.QUEUED),
        ("hexi", None, RecipientState.UNREACHABLE),  # a leaf with no liaison: a vacancy
    ]
    counts = tally(recipients)
    assert (counts.units_confirmed, counts.units_total) == (0, 2)
    # Nothing is owed by the office or the township, so nothing of theirs escalates.
    for unit, owed in (("xian", False), ("chengguan", False), ("hexi", True), ("dongguan", True)):
        key = ObligationKey(ObligationKind.NOTICE_ACK, unit, f"notice-{notice_id}")
        found = await harness.repos(owed_by(key))
        assert (found is not None) is owed, unit


def owed_by(key: ObligationKey) -> Callable[[Repositories], Awaitable[Obligation | None]]:
    async def get(repos: Repositories) -> Obligation | None:
        return await repos.obligations.get(key)

    return get
