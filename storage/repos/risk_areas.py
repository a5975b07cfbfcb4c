"""The high/mid-risk area list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class RiskAreaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
