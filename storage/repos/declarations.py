"""Returnee declarations, their check-ins and test records."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class DeclarationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
