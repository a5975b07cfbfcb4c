from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.invites import Invite, new_invite, parse_start_payload, redeem_refusal
from domain.org import Role

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def invite(**changes: Any) -> Invite:
    return replace(
        new_invite("tok", Role.LIAISON, "dongguan", 1001, NOW, timedelta(hours=72)), **changes
    )


def test_a_fresh_invite_is_redeemable_until_it_expires() -> None:
    assert redeem_refusal(invite(), NOW + timedelta(hours=71)) is None
    assert redeem_refusal(invite(), NOW + timedelta(hours=72)) == "invite-expired"


def test_used_and_unknown_invites_are_refused() -> None:
    assert redeem_refusal(invite(used_by=5, used_at=NOW), NOW) == "invite-used"
    assert redeem_refusal(None, NOW) == "invite-unknown"


def test_start_payloads() -> None:
    assert parse_start_payload("inv_abc").kind == "invite"
    assert parse_start_payload("inv_abc").token == "abc"
    assert parse_start_payload("join_xyz").kind == "join"
    assert parse_start_payload("inv_").kind == "unknown"
    assert parse_start_payload("<script>").kind == "unknown"
    assert parse_start_payload(None).kind == "none"
