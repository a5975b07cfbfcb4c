"""Answered reminders lose their buttons.

A check-in or test-day reminder (and the notice of a missed one to the tracker and liaison)
carries buttons to answer it. Once the day is recorded, by whichever path (a reminder's button,
/checkin, a tracker recording for the resident), those buttons could only be refused as "already
recorded", under several messages in several chats: they are taken off. This runs in the
recording's transaction: a reminder not sent yet goes out without its buttons, and for one sent
an outbox row edits its keyboard away (domain.outbox.keyboard_edit), sent after the commit under
Telegram's limits; no request is made here. A reminder on its way to Telegram at this very
moment keeps its buttons; a press on them is refused as already recorded.
"""

from __future__ import annotations

from datetime import datetime

from domain.outbox import OutboxState, keyboard_edit
from storage import Repositories

EDIT_PREFIX = "unbutton:"


async def take_off(repos: Repositories, obligation_id: int, *, now: datetime) -> int:
    """Take the buttons off the obligation's messages; the number of edits queued."""
    messages = await repos.sent.keyboards_of(obligation_id)
    await repos.sent.drop_unsent_keyboards(
        [m.outbox_id for m in messages if m.state is OutboxState.PENDING]
    )
    edits = [
        # One per message ever: a second answer of the same day finds nothing more to do.
        keyboard_edit(
            f"{EDIT_PREFIX}{m.outbox_id}",
            m.chat_id,
            m.message_id,
            not_before=now,
            recipient_id=m.recipient_id,
        )
        for m in messages
        if m.state is OutboxState.SENT and m.message_id
    ]
    return await repos.outbox.enqueue_many(edits, now=now)
