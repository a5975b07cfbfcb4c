"""Telegram chat groups bound to units."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import ChatGroup, GroupPurpose
from storage.models import ChatGroupRow, UnitRow
from storage.repos._sql import unit_id


def _select_groups() -> Select[int, str, str, str, str | None]:
    return select(
        ChatGroupRow.chat_id,
        ChatGroupRow.title,
        UnitRow.code,
        ChatGroupRow.purpose,
        ChatGroupRow.join_token,
    ).join(UnitRow, UnitRow.id == ChatGroupRow.unit_id)


def _group(chat_id: int, title: str, code: str, purpose: str, token: str | None) -> ChatGroup:
    return ChatGroup(chat_id, title, code, GroupPurpose(purpose), token)


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, chat_id: int) -> ChatGroup | None:
        statement = _select_groups().where(ChatGroupRow.chat_id == chat_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _group(*row)

    async def bind(self, group: ChatGroup, *, bound_by: int | None, now: datetime) -> ChatGroup:
        """Bind or rebind the chat; a rebind keeps the join token unless a new one is given.

        Keeping the token matters because residents' invitation links already handed out
        carry it.
        """
        target_unit = await unit_id(self._session, group.unit_code)
        row = await self._session.get(ChatGroupRow, group.chat_id)
        if row is None:
            row = ChatGroupRow(chat_id=group.chat_id, join_token=group.join_token)
            self._session.add(row)
        elif group.join_token is not None:
            row.join_token = group.join_token
        row.title = group.title
        row.unit_id = target_unit
        row.purpose = group.purpose.value
        row.bound_by = bound_by
        row.bound_at = now
        await self._session.flush()
        return _group(row.chat_id, row.title, group.unit_code, row.purpose, row.join_token)

    async def by_join_token(self, token: str) -> ChatGroup | None:
        statement = _select_groups().where(ChatGroupRow.join_token == token)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _group(*row)

    async def with_purpose(self, purpose: GroupPurpose) -> list[ChatGroup]:
        statement = _select_groups().where(ChatGroupRow.purpose == purpose.value)
        rows = await self._session.execute(statement.order_by(ChatGroupRow.chat_id))
        return [_group(*row) for row in rows]

    async def of_unit(self, unit_code: str, purpose: GroupPurpose | None = None) -> list[ChatGroup]:
        statement = _select_groups().where(UnitRow.code == unit_code)
        if purpose is not None:
            statement = statement.where(ChatGroupRow.purpose == purpose.value)
        rows = await self._session.execute(statement.order_by(ChatGroupRow.chat_id))
        return [_group(*row) for row in rows]

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Follow a group upgraded to a supergroup, which gets a new chat id.

        Returns True if a binding moved. Telegram reports the migration in both chats, so the
        second report finds nothing to move; if the new id was somehow bound meanwhile, that
        newer binding wins and the old one is dropped.
        """
        old = await self._session.get(ChatGroupRow, old_chat_id)
        if old is None or old_chat_id == new_chat_id:
            return False
        if await self._session.get(ChatGroupRow, new_chat_id) is not None:
            await self._session.delete(old)
            await self._session.flush()
            return False
        # Changing the key through the ORM keeps the session's identity map consistent.
        old.chat_id = new_chat_id
        await self._session.flush()
        return True
