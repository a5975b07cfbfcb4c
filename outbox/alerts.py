"""Telling a human about outbox messages that cannot be delivered, through the outbox.

A person Telegram refuses to write to (403: blocked, never started) is an escalation: the
nearest supervisors of the person's units are asked, in their own language, to contact them
another way (the configured admins when nobody supervises them). Meanwhile the clock sends
their obligations' steps to their cover. Failed messages and chats that refuse the bot are
technical problems and go to the admins. Dedupe keys make one alert per cause: per person
made unreachable, per failed message, per chat that refuses the bot per day.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.org import Language
from domain.outbox import OutboxEntry, OutboxMessage, Priority
from services.org import answerable_for
from storage import Repositories

ALERT_PREFIX = "outbox-alert:"
EXCERPT_CHARS = 80


def _is_alert(entry: OutboxEntry) -> bool:
    return entry.message.dedupe_key.startswith(ALERT_PREFIX)


def _excerpt(text: str) -> str:
    # The excerpt is shown as plain text: stripping tags could cut one in half.
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


class Render(Protocol):
    """A catalog message in a language (the presentation layer's `texts.i18n.render`)."""

    def __call__(self, language: Language, key: str, /, **values: object) -> str: ...


class DeliveryAlerts:
    def __init__(
        self, admins: Sequence[int], language: Language, zone: ZoneInfo, render: Render
    ) -> None:
        self.admins = tuple(admins)
        self.language = language
        self.zone = zone  # whose local date decides who is away
        self.render = render

    def _admin_text(self, key: str, /, **values: object) -> str:
        return self.render(self.language, key, **values)

    def _loops(self, entry: OutboxEntry) -> bool:
        """An alert to an admin that cannot be delivered is not alerted about: that could loop."""
        return _is_alert(entry) and entry.message.recipient_id in self.admins

    async def unreachable(
        self, repos: Repositories, entry: OutboxEntry, reason: str, now: datetime, *, newly: bool
    ) -> bool:
        if self._loops(entry):
            return False
        added = False
        if _is_alert(entry):
            # The alert's own news must still reach a human: the admins get it as it was.
            forward = self._admin_text(
                "outbox-alert-undelivered", chat=entry.chat_id, reason=reason
            )
            text = f"{forward}\n\n{entry.message.text}"
            added |= await self._enqueue(repos, entry, f"forward:{entry.id}", text, now)
        return await self._unreachable(repos, entry, reason, now, newly=newly) or added

    async def _unreachable(
        self, repos: Repositories, entry: OutboxEntry, reason: str, now: datetime, *, newly: bool
    ) -> bool:
        recipient = entry.message.recipient_id
        if recipient is not None:
            if not newly:
                return False  # already reported when the person first became unreachable
            person = await repos.people.get(recipient)
            name = person.name if person is not None else str(recipient)
            # A known person is reported once per time they become unreachable; one the bot
            # has no record of cannot be marked, so at most once a day.
            when = now.isoformat() if person is not None else now.date().isoformat()
            cause = f"unreachable:{recipient}:{when}"
            on = now.astimezone(self.zone).date()
            supervisors = await answerable_for(repos, recipient, on=on)
            await repos.audit.record(
                at=now,
                actor_id=None,
                action="person.unreachable",
                target=str(recipient),
                allowed=True,
                detail=f"{reason}; told {[p.telegram_id for p in supervisors] or 'the admins'}",
            )
            if supervisors:
                return await self._enqueue_to(
                    repos,
                    entry,
                    cause,
                    [(p.telegram_id, p.language) for p in supervisors],
                    lambda language: self.render(
                        language, "outbox-unreachable", name=name, id=recipient, reason=reason
                    ),
                    now,
                )
            text = self._admin_text("outbox-unreachable", name=name, id=recipient, reason=reason)
        else:
            text = self._admin_text("outbox-chat-unreachable", chat=entry.chat_id, reason=reason)
            cause = f"chat-unreachable:{entry.chat_id}:{now.date().isoformat()}"
        return await self._enqueue(repos, entry, cause, text, now)

    async def failed(
        self, repos: Repositories, entry: OutboxEntry, reason: str, now: datetime
    ) -> bool:
        text = self._admin_text(
            "outbox-failed",
            chat=entry.chat_id,
            reason=reason,
            excerpt=_excerpt(html.unescape(entry.message.text)),
        )
        if self._loops(entry):
            return False
        return await self._enqueue(repos, entry, f"failed:{entry.id}", text, now)

    async def _enqueue(
        self, repos: Repositories, entry: OutboxEntry, cause: str, text: str, now: datetime
    ) -> bool:
        admins = [(admin, self.language) for admin in self.admins]
        return await self._enqueue_to(repos, entry, cause, admins, lambda _: text, now)

    async def _enqueue_to(
        self,
        repos: Repositories,
        entry: OutboxEntry,
        cause: str,
        recipients: Sequence[tuple[int, Language]],
        text_in: Callable[[Language], str],
        now: datetime,
    ) -> bool:
        added = False
        for chat, language in recipients:
            message = OutboxMessage(
                dedupe_key=f"{ALERT_PREFIX}{cause}:{chat}",
                chat_id=chat,
                text=text_in(language),
                not_before=now,
                priority=Priority.ALERT,
                recipient_id=chat,
            )
            added |= await repos.outbox.enqueue(message, now=now)
        return added
