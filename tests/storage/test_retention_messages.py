"""The retention purge also clears what the outbox holds about the erased declarations (an
alert quotes the phone in full) and blanks answered correction requests' texts, except for a
resident whose case an admin holds; the receipt counts both (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.obligations import ObligationKind
from domain.outbox import OutboxMessage, Priority
from domain.personal_outbox import PREFIXES, About, about
from scheduler.engine import OUTBOX_PREFIX
from services import retention
from services.declarations.trips import return_due_prefix
from services.measure_end import ENDED_PREFIX
from services.result_fixes import FIX_PREFIX
from services.result_recording import TEST_ALERT_PREFIX
from storage import Repositories
from storage.models import CorrectionRequestRow, ObligationRow, OutboxRow
from tests.storage.test_retention import ADMIN, NOW, _declaration

PHONE = "13912348000"


async def _message(repos: Repositories, key: str, chat: int) -> None:
    text = f"胡军 {PHONE}"
    markup = {"inline_keyboard": [[{"text": PHONE, "url": f"tel:{PHONE}"}]]}
    message = OutboxMessage.private(key, chat, text, NOW, Priority.ALERT, markup)
    await repos.outbox.enqueue(message, now=NOW - timedelta(days=40))


async def _correction(repos: Repositories, resident: int, decided_ago: int) -> int:
    row = CorrectionRequestRow(
        resident_id=resident,
        unit_code="dongguan",
        text=f"电话应为 {PHONE}",
        requested_at=NOW - timedelta(days=decided_ago + 1),
        state="accepted",
        decided_by=2001,
        decided_at=NOW - timedelta(days=decided_ago),
        reason=f"已改为 {PHONE}",
    )
    repos.session.add(row)
    await repos.session.flush()
    return int(row.id)


async def test_the_purge_clears_messages_and_correction_texts(org: Repositories) -> None:
    repos = org
    due = await _declaration(repos, ended_ago=31, resident=3001)
    recent = await _declaration(repos, ended_ago=29, resident=3002)
    held = await _declaration(repos, ended_ago=31, resident=3003)
    await retention.hold(repos, ADMIN, held, "review", NOW - timedelta(days=1))
    obligation = ObligationRow(
        kind=ObligationKind.HEALTH_CHECKIN.value,
        subject=f"declaration:{due}",
        period="2026-11-20",
        unit_code="dongguan",
        assignee_person=3001,
        due_at=NOW - timedelta(days=45),
        state="met",
        step_reached=0,
        repeats_done=0,
        created_at=NOW - timedelta(days=45),
        updated_at=NOW - timedelta(days=45),
    )
    repos.session.add(obligation)
    await repos.session.flush()
    about_due = [
        f"declaration:{due}:alert:2001",
        f"declaration:{due}:v2:alert:2001",
        f"obligation:{obligation.id}#0.0:2001",
        f"checkin-alert:{obligation.id}:2001",
    ]
    kept = [f"declaration:{recent}:alert:2001", f"declaration:{held}:alert:2001"]
    for key in about_due + kept:
        await _message(repos, key, 2001)
    old = await _correction(repos, 3001, decided_ago=31)
    fresh = await _correction(repos, 3002, decided_ago=5)
    on_hold = await _correction(repos, 3003, decided_ago=31)
    await _message(repos, f"correction:{old}:2001", 2001)
    await _message(repos, f"correction-outcome:{old}", 3001)
    await _message(repos, f"correction:{fresh}:2001", 2001)

    receipt = await retention.purge(repos, now=NOW, zone=NOW.tzinfo, retention_days=30)  # type: ignore[arg-type]
    await repos.session.commit()

    assert (receipt.outbox, receipt.corrections) == (len(about_due) + 2, 1)
    rows = {r.dedupe_key: r for r in await repos.session.scalars(select(OutboxRow))}
    for key in [*about_due, f"correction:{old}:2001", f"correction-outcome:{old}"]:
        assert (rows[key].text, rows[key].reply_markup) == ("", None), key
        assert rows[key].state == "withdrawn"  # never sent: nothing left to say
    for key in [*kept, f"correction:{fresh}:2001"]:
        assert PHONE in rows[key].text, key
    corrections = {r.id: r for r in await repos.session.scalars(select(CorrectionRequestRow))}
    assert (corrections[old].text, corrections[old].reason) == ("", None)
    assert corrections[old].state == "accepted"
    assert corrections[old].decided_at is not None
    assert PHONE in corrections[fresh].text
    assert PHONE in corrections[on_hold].text  # the resident's case is held

    again = await retention.purge(repos, now=NOW, zone=NOW.tzinfo, retention_days=30)  # type: ignore[arg-type]
    assert (again.outbox, again.corrections) == (0, 0)


def test_the_prefixes_are_the_services_keys() -> None:
    prefixes = {prefix for prefix, _ in PREFIXES}
    for constant in (OUTBOX_PREFIX, TEST_ALERT_PREFIX, FIX_PREFIX, ENDED_PREFIX):
        assert constant in prefixes
    assert about(f"{OUTBOX_PREFIX}12#1.0:2001") is not None
    assert about("declaration:12:places:2001") == about("declaration:12")
    assert about("correction-outcome:3") is not None
    assert about("correction-outcome:3").about is About.CORRECTION  # type: ignore[union-attr]
    # Keys that name only a person are not recognised (see the README's privacy section).
    assert about(f"{return_due_prefix(3001)}2026-12-01") is None
    assert about("draft-expired:3001:2026-12-01T00:00:00") is None
    assert about("declaration:abc:alert") is None
