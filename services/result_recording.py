"""Recording test days of monitored residents: "done, result pending", then the result.

Checked like a check-in (services.checkins.access), and a result can still be recorded only
while none is, or it is pending: a final result stands and is corrected by staff, audited
(services.result_fixes). The record, the obligation met, the positive result's alerts and the
answered reminders' buttons taken off (services.reminder_buttons) commit together. A positive
result is confirmed before it comes here (handlers.result_buttons).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any, Protocol

from domain.checkins import result_alert
from domain.declarations import TestResult
from domain.obligations import ObligationKind
from domain.org import Person
from domain.permissions import Actor
from services import case_handling, checkins, obligations, reminder_buttons
from services.case_handling import HandlingPolicy
from services.checkins import Access, AlertMarkup, Recorded, Render
from services.refusal import Refused
from storage import Repositories

TEST_ALERT_PREFIX = "test-alert:"  # then the obligation's id, and the recipient's
NOT_YET = "checkin-test-not-yet"


class FixMarkup(Protocol):
    """The "correct result" button of a test record, in the person's language (Bot API JSON)."""

    def __call__(self, person: Person, record_id: int) -> dict[str, Any]: ...


async def record_test(
    repos: Repositories,
    actor: Actor,
    obligation_id: int,
    result: TestResult,
    *,
    render: Render,
    now: datetime,
    today: date,
    fix_markup: FixMarkup | None = None,
    handling: HandlingPolicy | None = None,
    alert_markup: AlertMarkup | None = None,
) -> Recorded:
    """ "Done" is a pending result; the result may follow later on the same (met) test day.
    A final result stands: it is not overwritten from a button (staff correct it, audited:
    services.result_fixes). The reminders keep their buttons until the result is final."""
    allowed = await result_access(repos, actor, obligation_id, now=now, today=today)
    ob, monitored, day = allowed.obligation, allowed.monitored, allowed.day
    record_id = await repos.checkins.set_test_result(
        monitored.declaration_id, day, result, by=actor.telegram_id, now=now
    )
    await obligations.meet(repos, ob.key, at=now, by=actor.telegram_id)
    await checkins.audit_recording(repos, actor, checkins.TEST_ACTION, allowed, now)
    if result is not TestResult.PENDING:
        await reminder_buttons.take_off(repos, obligation_id, now=now)
    if result is TestResult.POSITIVE and handling is not None:  # to be handled in time
        await case_handling.owe_positive(
            repos, handling, monitored.declaration_id, ob.unit_code, day, now=now
        )
    reason = result_alert(result)
    alerted = 0
    if reason is not None:
        name = await checkins.resident_name(repos, monitored)
        tree = await repos.org.load_tree()
        alert, people = await checkins.for_case(
            repos,
            monitored,
            checkins.Alert((reason,), name, checkins.unit_name_of(tree, ob.unit_code), day),
            skip={actor.telegram_id},
        )
        # Staff alerted work it as a case, and can correct it (services.result_fixes).
        markup = partial(_alert_buttons, alert_markup, fix_markup, alert, record_id)
        alerted = await checkins.enqueue_alerts(
            repos, people, alert, render, f"{TEST_ALERT_PREFIX}{ob.id}", now, markup=markup
        )
    return Recorded(f"checkin-test-recorded-{result.value}", allowed, alerted)


async def result_access(
    repos: Repositories, actor: Actor, obligation_id: int, *, now: datetime, today: date
) -> Access:
    """What `access` allows for a test day whose result may still be recorded: none yet, or
    "done, pending"; Refused once it is final, or before the day (the reminder comes the day
    before, with its buttons)."""
    allowed = await checkins.access(
        repos, actor, obligation_id, ObligationKind.TEST_DUE, now=now, allow_met=True
    )
    if allowed.day > today:
        raise Refused(NOT_YET)
    previous = await repos.checkins.test_result(allowed.monitored.declaration_id, allowed.day)
    if previous is not None and previous is not TestResult.PENDING:
        raise Refused("checkin-test-already")
    if previous is None and allowed.obligation.state.closed:  # met without a record
        raise Refused("checkin-already")
    return allowed


def _alert_buttons(
    case: AlertMarkup | None,
    fix: FixMarkup | None,
    alert: checkins.Alert,
    record_id: int,
    person: Person,
) -> dict[str, Any] | None:
    """The case's buttons, then the "correct result" one: a positive is worked as a case and
    may have been recorded by mistake."""
    rows: list[Any] = []
    for markup in (
        case(person, alert) if case is not None else None,
        fix(person, record_id) if fix is not None else None,
    ):
        if markup is not None:
            rows += markup["inline_keyboard"]
    return {"inline_keyboard": rows} if rows else None
