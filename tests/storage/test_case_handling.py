"""A positive result must be handled in time, like an immediate report: it opens a
case_handling obligation of its own (one per test day), recording the case as handled meets
every handling it still owes, and a positive corrected away no longer needs handling. On both
databases."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from domain.cases import fever_key, positive_key
from domain.checkins import CheckinAnswer
from domain.declarations import Symptom, TestResult
from domain.obligations import ObligationKind, ObligationState
from services import case_handling, checkins, result_fixes, result_recording
from services.case_handling import HandlingPolicy
from storage import Repositories
from storage.models import TestRecordRow
from tests.storage.test_checkins import (
    DAY,
    LIAISON,
    POLICY,
    RESIDENT,
    THRESHOLD,
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
        today=DAY,
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


async def test_an_update_takes_the_positives_handling_to_the_new_version(
    org: Repositories,
) -> None:
    """The positive's handling follows the case to the version updating it (as the declaration's
    own does): "handled" on the current card meets it, nothing is left on the old version."""
    repos = org
    declared, _ = await test_result(repos, TestResult.POSITIVE)
    newer = await declaration(repos)
    await repos.declarations.move_case(declared, newer, at=at(DAY, 11))
    assert await repos.obligations.get(positive_key(declared, DAY)) is None
    moved = await repos.obligations.get(positive_key(newer, DAY))
    assert moved is not None
    assert moved.state is ObligationState.OPEN
    await case_handling.handled(repos, newer, by=LIAISON, at=at(DAY, 11))
    met = await repos.obligations.get(positive_key(newer, DAY))
    assert met is not None
    assert met.state is ObligationState.MET
    for on in (declared, newer):
        assert (
            await repos.obligations.open_of_subject(
                ObligationKind.CASE_HANDLING, f"declaration:{on}"
            )
            == []
        )


async def test_a_correction_after_an_update_excuses_the_moved_positive(
    org: Repositories,
) -> None:
    repos = org
    declared, record = await test_result(repos, TestResult.POSITIVE)
    newer = await declaration(repos)
    await repos.declarations.move_case(declared, newer, at=at(DAY, 11))
    await result_fixes.correct(
        repos,
        await actor(repos, TRACKER),
        record,
        TestResult.POSITIVE,
        TestResult.NEGATIVE,
        texts=ResultTexts(),
        now=at(DAY, 12),
        handling=HANDLING,
    )
    excused = await repos.obligations.get(positive_key(newer, DAY))
    assert excused is not None
    assert excused.state is ObligationState.EXCUSED
    for on in (declared, newer):
        assert (
            await repos.obligations.open_of_subject(
                ObligationKind.CASE_HANDLING, f"declaration:{on}"
            )
            == []
        )


async def test_a_fever_at_the_check_in_is_owed_handling_once_a_day(org: Repositories) -> None:
    """A fever is alerted as an immediate report: it opens its own handling, with the
    check-in, once per day; "handled" meets it. A normal check-in owes none."""
    repos = org
    declared = await declaration(repos)
    ob = await followup(repos, declared)
    resident = await actor(repos, RESIDENT)

    async def check_in(obligation_id: int, temperature: float, day: date) -> None:
        await checkins.record_checkin(
            repos,
            resident,
            obligation_id,
            CheckinAnswer(temperature),
            fever_threshold=THRESHOLD,
            render=render_alert,
            now=at(day, 10),
            handling=HANDLING,
        )

    await check_in(ob, 38.4, DAY)
    owed = await repos.obligations.get(fever_key(declared, DAY))
    assert owed is not None
    assert owed.state is ObligationState.OPEN
    assert owed.due_at == at(DAY, 10) + timedelta(minutes=45)
    assert owed.next_action_at is not None  # on its chain: it escalates if left
    # Owed again the same day (a retried recording): still the one obligation.
    await case_handling.owe_fever(repos, HANDLING, declared, "east", DAY, now=at(DAY, 11))
    [only] = await repos.obligations.open_of_subject(
        ObligationKind.CASE_HANDLING, f"declaration:{declared}"
    )
    assert only.key == fever_key(declared, DAY)
    assert only.due_at == owed.due_at
    # A normal check-in the next day owes nothing.
    following = DAY + timedelta(days=1)
    await check_in(await followup(repos, declared, following), 36.5, following)
    assert await repos.obligations.get(fever_key(declared, following)) is None
    await case_handling.handled(repos, declared, by=LIAISON, at=at(DAY, 10))
    met = await repos.obligations.get(fever_key(declared, DAY))
    assert met is not None
    assert met.state is ObligationState.MET
    # Symptoms without a fever meet the immediate-report condition too: owed as well.
    third = following + timedelta(days=1)
    await checkins.record_checkin(
        repos,
        resident,
        await followup(repos, declared, third),
        CheckinAnswer(36.6, frozenset({Symptom.DRY_COUGH})),
        fever_threshold=THRESHOLD,
        render=render_alert,
        now=at(third, 10),
        handling=HANDLING,
    )
    owed_again = await repos.obligations.get(fever_key(declared, third))
    assert owed_again is not None
    assert owed_again.state is ObligationState.OPEN
