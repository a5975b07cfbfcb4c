"""Invitations, resident registration through a group's link, and binding groups to units."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.invites import Invite, new_invite, redeem_refusal
from domain.org import ChatGroup, GroupPurpose, Language, Role, RoleAssignment, Unit
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor, Capability, Decision, can_bind_group, can_invite
from services.refusal import Refused
from storage import Repositories


def new_token() -> str:
    # 16 URL-safe characters (96 bits): unguessable and well inside the 64-character limit of
    # a /start parameter.
    return secrets.token_urlsafe(12)


NOT_SUPERVISOR = "perm-not-supervisor"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened, as a message key plus the facts needed to render it."""

    key: str
    unit: Unit | None = None
    role: Role | None = None
    invite: Invite | None = None
    group: ChatGroup | None = None


async def log_refusal(
    repos: Repositories, actor: Actor, action: str, target: str, reason: str, now: datetime
) -> None:
    """Every refused action is logged, so abuse and misconfigured roles can be traced."""
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=action,
        target=target,
        allowed=False,
        detail=reason,
    )


async def refuse(
    repos: Repositories, actor: Actor, action: str, target: str, decision: Decision, now: datetime
) -> Refused:
    """The refusal to raise, once audited."""
    reason = decision.reason_key or "perm-denied"
    await log_refusal(repos, actor, action, target, reason, now)
    return Refused(reason)


class OnboardingService:
    """Invitations, joining and group binding, built once with the invitations' lifetime.

    Each outcome is a message key with the facts to render it; a refusal is `Refused`
    (audited where someone tried what their role does not allow)."""

    def __init__(self, *, invite_ttl: timedelta) -> None:
        self.invite_ttl = invite_ttl

    async def check_inviter(self, repos: Repositories, actor: Actor, now: datetime) -> None:
        """Refused (audited) unless the actor supervises some unit."""
        if Capability.SUPERVISOR not in actor.capabilities():
            await log_refusal(repos, actor, "invite", "", NOT_SUPERVISOR, now)
            raise Refused(NOT_SUPERVISOR)

    async def invite(
        self,
        repos: Repositories,
        actor: Actor,
        role: Role,
        unit_code: str,
        *,
        now: datetime,
    ) -> Outcome:
        await self.check_inviter(repos, actor, now)
        tree = await repos.org.load_tree()
        decision = can_invite(actor, role, unit_code, tree)
        if not decision:
            raise await refuse(repos, actor, "invite", f"{role}@{unit_code}", decision, now)
        invite = new_invite(new_token(), role, unit_code, actor.telegram_id, now, self.invite_ttl)
        await repos.invites.add(invite)
        return Outcome("invite-created", unit=tree.get(unit_code), role=role, invite=invite)

    async def redeem(
        self, repos: Repositories, token: str, telegram_id: int, *, now: datetime
    ) -> Outcome:
        invite = await repos.invites.get(token)
        refusal = redeem_refusal(invite, now)
        if refusal is not None or invite is None:
            raise Refused(refusal or "invite-unknown")
        if invite.created_by == telegram_id:
            # The inviter clicking their own link (to test it) must not take the role.
            raise Refused("invite-own")
        # mark_used is a single conditional UPDATE: two people racing for one link cannot both
        # win.
        if not await repos.invites.mark_used(token, telegram_id, now):
            raise Refused("invite-used")
        assignment = RoleAssignment(telegram_id, invite.unit_code, invite.role)
        await repos.roles.grant(assignment, granted_by=invite.created_by, now=now)
        unit = await repos.org.get_unit(invite.unit_code)
        return Outcome("invite-accepted", unit=unit, role=invite.role, invite=invite)

    async def tell_inviter(
        self,
        repos: Repositories,
        invite: Invite,
        render: Callable[[Language], str],
        *,
        now: datetime,
    ) -> None:
        """Queue the news that the invitation was accepted to its author, in the author's
        language (`render` writes it)."""
        inviter = await repos.people.get(invite.created_by)
        language = inviter.language if inviter is not None else Language.ZH_CN
        await repos.outbox.enqueue(
            OutboxMessage(
                dedupe_key=f"invite-accepted:{invite.token}",
                chat_id=invite.created_by,
                text=render(language),
                not_before=now,
                priority=Priority.REMINDER,
                recipient_id=invite.created_by,
            ),
            now=now,
        )

    async def join(
        self, repos: Repositories, join_token: str, telegram_id: int, *, now: datetime
    ) -> Outcome:
        group = await repos.groups.by_join_token(join_token)
        if group is None or group.purpose is not GroupPurpose.RESIDENTS:
            raise Refused("join-unknown")
        assignment = RoleAssignment(telegram_id, group.unit_code, Role.RESIDENT)
        created = await repos.roles.grant(assignment, granted_by=None, now=now)
        unit = await repos.org.get_unit(group.unit_code)
        return Outcome("join-done" if created else "join-already", unit=unit, group=group)

    async def bind(
        self,
        repos: Repositories,
        actor: Actor,
        *,
        chat_id: int,
        title: str,
        unit_code: str,
        purpose: GroupPurpose,
        now: datetime,
    ) -> Outcome:
        tree = await repos.org.load_tree()
        existing = await repos.groups.get(chat_id)
        # Moving a bound group takes rights over the unit it belongs to now as well; otherwise
        # any supervisor sitting in another unit's group could take it over, with its
        # residents' link.
        decision = can_bind_group(actor, unit_code, tree)
        if decision and existing is not None and existing.unit_code != unit_code:
            decision = can_bind_group(actor, existing.unit_code, tree)
        if not decision:
            raise await refuse(repos, actor, "bind", f"{chat_id}->{unit_code}", decision, now)
        join_token = existing.join_token if existing and existing.join_token else None
        if purpose is GroupPurpose.RESIDENTS and join_token is None:
            join_token = new_token()
        group = await repos.groups.bind(
            ChatGroup(chat_id, title, unit_code, purpose, join_token),
            bound_by=actor.telegram_id,
            now=now,
        )
        return Outcome("bind-done", unit=tree.get(unit_code), group=group)
