"""Prevention notices (防控提示/通知): sending, responses, status. `NoticeService` binds the
configuration once (texts, the notice_ack chain and calendar) for handlers and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.notices import NoticeRequest
from domain.org import Language
from services.notices import responses, sending, status
from services.notices.responses import Outcome
from services.notices.sending import NoticeConfig, NoticeTexts
from services.notices.status import Refreshed
from storage import Repositories


@dataclass(frozen=True, slots=True)
class NoticeService:
    config: NoticeConfig

    async def create_notice(
        self,
        repos: Repositories,
        request: NoticeRequest,
        *,
        now: datetime,
        repeat_id: int | None = None,
        occurrence: datetime | None = None,
    ) -> int | None:
        return await sending.create_notice(
            repos, self.config, request, now=now, repeat_id=repeat_id, occurrence=occurrence
        )

    async def acknowledge(
        self,
        repos: Repositories,
        recipient_id: int,
        *,
        presser: int,
        message_id: int | None,
        now: datetime,
    ) -> Outcome:
        return await responses.acknowledge(
            repos, self.config, recipient_id, presser=presser, message_id=message_id, now=now
        )

    async def undo(
        self,
        repos: Repositories,
        recipient_id: int,
        *,
        presser: int,
        message_id: int | None,
        now: datetime,
    ) -> Outcome:
        return await responses.undo(
            repos, self.config, recipient_id, presser=presser, message_id=message_id, now=now
        )

    async def ask(
        self, repos: Repositories, recipient_id: int, question: str, *, presser: int, now: datetime
    ) -> Outcome:
        return await responses.ask(
            repos, self.config, recipient_id, question, presser=presser, now=now
        )

    async def answer(
        self, repos: Repositories, recipient_id: int, text: str, *, presser: int, now: datetime
    ) -> Outcome:
        return await responses.answer(
            repos, self.config, recipient_id, text, presser=presser, now=now
        )

    async def forward(
        self, repos: Repositories, recipient_id: int, *, presser: int, now: datetime
    ) -> Outcome:
        return await responses.forward(repos, self.config, recipient_id, presser=presser, now=now)

    async def remind(
        self, repos: Repositories, notice_id: int, *, presser: int, now: datetime
    ) -> Outcome:
        return await status.remind(repos, self.config, notice_id, presser=presser, now=now)

    async def card(
        self, repos: Repositories, notice_id: int
    ) -> tuple[str, dict[str, Any] | None] | None:
        return await status.card(repos, self.config, notice_id)

    async def refresh(self, repos: Repositories, *, now: datetime) -> Refreshed:
        return await status.refresh(repos, self.config, now=now)

    def text(self, language: Language, key: str, /, **values: object) -> str:
        return self.config.texts.message(language, key, **values)


__all__ = ["NoticeConfig", "NoticeService", "NoticeTexts", "Outcome", "Refreshed"]
