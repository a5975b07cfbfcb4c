"""`/hold`: admins only, in private (refusals audited); the hold and its release are audited
with the reason and the hold is shown on the case card."""

from __future__ import annotations

import pytest

from storage import Repositories
from storage.records import AuditEntry
from tests.handlers.conftest import ADMIN_ID, ZH, Harness
from tests.handlers.test_case_card import LIAISON, card, submit
from tests.handlers.test_cases import FEVER, NOW
from texts.rendering import local_time


@pytest.fixture(autouse=True)
def at_now(harness: Harness) -> None:
    harness.clock.set(NOW)


async def entries(harness: Harness) -> list[AuditEntry]:
    found: list[AuditEntry] = await harness.repos(lambda r: r.audit.recent(500))
    return [e for e in found if e.action.startswith("privacy.")]


async def test_staff_are_refused_and_the_refusal_is_audited(harness: Harness) -> None:
    declared = await submit(harness, FEVER)
    assert await harness.send(LIAISON, f"/hold {declared} review") == [ZH("hold-not-admin")]
    assert await harness.send(LIAISON, "/hold") == [ZH("hold-not-admin")]
    refusals = await entries(harness)
    assert [(e.actor_id, e.allowed, e.detail) for e in refusals] == [
        (LIAISON, False, "hold-not-admin"),
        (LIAISON, False, "hold-not-admin"),
    ]
    stored = await harness.repos(lambda r: r.declarations.get(declared))
    assert stored.hold is None


async def test_an_admin_holds_and_releases_a_case_with_the_reason_audited(
    harness: Harness,
) -> None:
    declared = await submit(harness, FEVER)
    assert await harness.send(ADMIN_ID, "/hold") == [ZH("hold-usage")]
    assert await harness.send(ADMIN_ID, f"/hold {declared}") == [ZH("hold-usage")]
    assert await harness.send(ADMIN_ID, "/hold 99999 why") == [ZH("hold-not-found", id=99999)]
    reason = "疾控复核中"
    assert await harness.send(ADMIN_ID, f"/hold {declared} {reason}") == [
        ZH("hold-done", id=declared)
    ]
    text = await card(harness, declared, LIAISON)
    at = local_time(NOW, harness.settings.time.zone)
    before, after = ZH("case-card-held", at=at, name="NAME", reason=reason).split("NAME")
    assert before in text
    assert after in text

    assert await harness.send(ADMIN_ID, f"/hold off {declared}") == [
        ZH("hold-off-done", id=declared)
    ]
    assert await harness.send(ADMIN_ID, f"/hold off {declared}") == [
        ZH("hold-not-held", id=declared)
    ]

    async def stored(repos: Repositories) -> object:
        found = await repos.declarations.get(declared)
        return None if found is None else found.hold

    assert await harness.repos(stored) is None
    audited = [
        (e.action, e.actor_id, e.target, e.allowed, e.detail) for e in await entries(harness)
    ]
    assert sorted(audited) == sorted(
        [
            ("privacy.hold", ADMIN_ID, f"declaration {declared}", True, reason),
            ("privacy.unhold", ADMIN_ID, f"declaration {declared}", True, reason),
        ]
    )
