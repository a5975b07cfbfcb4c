"""Expiry leases of half-finished dialogs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class DraftLeaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
