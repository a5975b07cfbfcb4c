"""One-time, expiring invitations that grant a role in a unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.org import Role

INVITE_PAYLOAD_PREFIX = "inv_"
JOIN_PAYLOAD_PREFIX = "join_"
# A residents' group's "Declare" button: join the group's unit if needed, then declare.
DECLARE_PAYLOAD_PREFIX = "decl-"


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    unit_code: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None


def new_invite(
    token: str, role: Role, unit_code: str, created_by: int, now: datetime, ttl: timedelta
) -> Invite:
    return Invite(token, role, unit_code, created_by, now, now + ttl)


def redeem_refusal(invite: Invite | None, now: datetime) -> str | None:
    """The message key explaining why the invite cannot be used, or None when it can."""
    if invite is None:
        return "invite-unknown"
    if invite.used_by is not None:
        return "invite-used"
    if now >= invite.expires_at:
        return "invite-expired"
    return None


@dataclass(frozen=True, slots=True)
class StartPayload:
    """What a /start deep-link parameter asks for."""

    kind: str  # "invite" | "join" | "declare" | "none" | "unknown"
    token: str = ""


def parse_start_payload(payload: str | None) -> StartPayload:
    # The payload arrives from the user's client, so it is matched against known prefixes only
    # and the token is looked up in storage; nothing in it is trusted on its own.
    if not payload:
        return StartPayload("none")
    for prefix, kind in (
        (INVITE_PAYLOAD_PREFIX, "invite"),
        (JOIN_PAYLOAD_PREFIX, "join"),
        (DECLARE_PAYLOAD_PREFIX, "declare"),
    ):
        if payload.startswith(prefix) and len(payload) > len(prefix):
            return StartPayload(kind, payload[len(prefix) :])
    return StartPayload("unknown")
