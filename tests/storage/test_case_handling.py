"""A positive result must be handled in time, like an immediate report: it opens a
case_handling obligation of its own (one per test day), recording the case as handled meets
every handling it still owes, and a positive corrected away no longer needs handling. On both
databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.cases import positive_key
from domain.declarations import TestResult
from domain.obligations import ObligationKind, ObligationState
from services import case_handling, result_fixes, result_recording
from services.case_handling import HandlingPolicy
from storage import Repositories
from storage.models import TestRecordRow
from tests.storage.test_checkins import (
    DAY,
    LIAISON,
    POLICY,
    RESIDENT,
    TRACKER,
    actor,
    at,
    declaration,
    followup,
    org,
)
from texts.checkins import render_alert
from texts.result_fixes import ResultTexts

__all__ = ["org"]  # the fixture, used by name
HANDLING = HandlingPolicy(POLICY, timedelta(minutes=45))


async def test_result(repos: Repositories, result: TestResult) -> tuple[int, int]:
    """A result recorded by the resident: (declaration id, test record id)."""
    declared = await declaration(repos)
    ob = await followup(repos, declared, kind=ObligationKind.TEST_DUE)
    await result_recording.record_test(
        repos,
        await actor(repos, RESIDENT),
        ob,
        result,
        render=render_alert,
        now=at(DAY, 11),
        handling=HANDLING,
    )
    [record] = await repos.session.scalars(select(TestRecordRow.id))
    return declared, record


test_result.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


async def test_a_positive_is_owed_handling_until_recorded_handled(org: Repositories) -> None:
    repos = org
    declared, _ = await test_result(repos, TestResult.POSITIVE)
    owed = await repos.obligations.get(positive_key(declared, DAY))
    assert owed is not None
    assert owed.state is ObligationState.OPEN
    assert owed.due_at == at(DAY, 11) + timedelta(minutes=45)
    assert owed.next_action_at is not None  # on its chain: it escalates if left
    # What recording the case as handled (services.cases.record) does to what it owes.
    await case_handling.handled(repos, declared, by=LIAISON, at=at(DAY, 12))
    met = await repos.obligations.get(positive_key(declared, DAY))
    assert met is not None
    assert met.state is ObligationState.MET_LATE  # 12:00 is after 11:45
    assert (
        await repos.obligations.open_of_subject(
            ObligationKind.CASE_HANDLING, f"declaration:{declared}"
        )
        == []
    )


async def test_a_negative_owes_nothing_and_a_correction_moves_the_handling(
    org: Repositories,
) -> None:
    repos = org
    declared, record = await test_result(repos, TestResult.NEGATIVE)
    assert await repos.obligations.get(positive_key(declared, DAY)) is None

    async def correct(was: TestResult, to: TestResult, hour: int) -> None:
        await result_fixes.correct(
            repos,
            await actor(repos, TRACKER),
            record,
            was,
            to,
            texts=ResultTexts(),
            now=at(DAY, hour),
            handling=HANDLING,
        )

    await correct(TestResult.NEGATIVE, TestResult.POSITIVE, 14)
    owed = await repos.obligations.get(positive_key(declared, DAY))
    assert owed is not None
    assert owed.state is ObligationState.OPEN
    await correct(TestResult.POSITIVE, TestResult.NEGATIVE, 15)
    excused = await repos.obligations.get(positive_key(declared, DAY))
    assert excused is not None
    assert excused.state is ObligationState.EXCUSED
    assert excused.excuse_reason == "result corrected: positive -> negative"
