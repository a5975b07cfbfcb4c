"""Telling the admins about outbox messages that cannot be delivered, through the outbox.

Until escalation to supervisors exists for these, every configured admin gets an ALERT in the
admins' default language. Dedupe keys make one alert per cause: per person made unreachable,
per failed message, per chat that refuses the bot per day.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from bot.i18n import Translator
from domain.org import Language
from domain.outbox import OutboxEntry, OutboxMessage, Priority
from storage import Repositories

ALERT_PREFIX = "outbox-alert:"
EXCERPT_CHARS = 80


def _excerpt(text: str) -> str:
    # The excerpt is shown as plain text: stripping tags could cut one in half.
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


class AdminAlerts:
    def __init__(self, admins: Sequence[int], language: Language) -> None:
        self.admins = tuple(admins)
        self.tr = Translator(language)

    async def unreachable(
        self, repos: Repositories, entry: OutboxEntry, reason: str, now: datetime, *, newly: bool
    ) -> bool:
        recipient = entry.message.recipient_id
        if recipient is not None:
            if not newly:
                return False  # already reported when the person first became unreachable
            person = await repos.people.get(recipient)
            name = person.name if person is not None else str(recipient)
            text = self.tr("outbox-unreachable", name=name, id=recipient, reason=reason)
            # A known person is reported once per time they become unreachable; one the bot
            # has no record of cannot be marked, so at most once a day.
            when = now.isoformat() if person is not None else now.date().isoformat()
            cause = f"unreachable:{recipient}:{when}"
        else:
            text = self.tr("outbox-chat-unreachable", chat=entry.chat_id, reason=reason)
            cause = f"chat-unreachable:{entry.chat_id}:{now.date().isoformat()}"
        return await self._enqueue(repos, entry, cause, text, now)

    async def failed(
        self, repos: Repositories, entry: OutboxEntry, reason: str, now: datetime
    ) -> bool:
        text = self.tr(
            "outbox-failed",
            chat=entry.chat_id,
            reason=reason,
            excerpt=_excerpt(html.unescape(entry.message.text)),
        )
        return await self._enqueue(repos, entry, f"failed:{entry.id}", text, now)

    async def _enqueue(
        self, repos: Repositories, entry: OutboxEntry, cause: str, text: str, now: datetime
    ) -> bool:
        # An alert that cannot be delivered is not alerted about again: that could loop.
        if entry.message.dedupe_key.startswith(ALERT_PREFIX):
            return False
        added = False
        for admin in self.admins:
            message = OutboxMessage(
                dedupe_key=f"{ALERT_PREFIX}{cause}:{admin}",
                chat_id=admin,
                text=text,
                not_before=now,
                priority=Priority.ALERT,
                recipient_id=admin,
            )
            added |= await repos.outbox.enqueue(message, now=now)
        return added
