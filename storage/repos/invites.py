"""One-time invitations; redeeming one is a single conditional UPDATE so only one caller wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.invites import Invite
from domain.org import Role
from storage.models import InviteRow, UnitRow
from storage.repos._sql import rowcount, unit_id


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invite: Invite) -> None:
        self._session.add(
            InviteRow(
                token=invite.token,
                role=invite.role.value,
                unit_id=await unit_id(self._session, invite.unit_code),
                created_by=invite.created_by,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
                used_by=invite.used_by,
                used_at=invite.used_at,
            )
        )
        await self._session.flush()

    async def get(self, token: str) -> Invite | None:
        row = (
            await self._session.execute(
                select(InviteRow, UnitRow.code)
                .join(UnitRow, UnitRow.id == InviteRow.unit_id)
                .where(InviteRow.token == token)
            )
        ).first()
        if row is None:
            return None
        invite, code = row
        return Invite(
            token=invite.token,
            role=Role(invite.role),
            unit_code=code,
            created_by=invite.created_by,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
            used_by=invite.used_by,
            used_at=invite.used_at,
        )

    async def mark_used(self, token: str, telegram_id: int, now: datetime) -> bool:
        """Redeem the invite for `telegram_id`; True only for the one caller that wins.

        Checking and setting happen in one statement: on PostgreSQL a concurrent redeemer
        waits for the row lock and then re-checks `used_by IS NULL`, finding it taken.
        """
        result = await self._session.execute(
            update(InviteRow)
            .where(
                InviteRow.token == token,
                InviteRow.used_by.is_(None),
                InviteRow.expires_at > now,
            )
            .values(used_by=telegram_id, used_at=now)
        )
        return rowcount(result) == 1
