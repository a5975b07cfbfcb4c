"""The outbox sender: drains the outbox under Telegram's limits and records every outcome.

One loop claims due rows (best priority first) and starts a task per row; each task waits for
a rate slot (outbox/pacing.py), sends, and queues its outcome; one writer records outcomes in
batches, so the database sees one transaction per batch rather than per message. A row stays
pending until its send is confirmed, so after a crash every unconfirmed row is sent again
(at least once: a crash between Telegram's answer and the commit repeats that message). A send
that times out, or whose connection drops once the request is out, is the same case while the
bot runs: sent again, and counted on its row (`uncertain_sends`).

A row may also edit a message already sent, its keyboard (domain.outbox.keyboard_edit) or its
text (domain.outbox.text_edit): paced, retried and recorded the same way, except that its
permanent failures alert nobody. A row with media (domain.outbox.media_message) is a photo or
a document with its text as the caption, sent like a message.

With several instances only the holder of the leader lock sends (storage/leader.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.types import BufferedInputFile

from domain.clock import Clock
from domain.outbox import (
    UNAUTHORIZED_PAUSE,
    Failure,
    FailureKind,
    GiveUp,
    MarkUnreachable,
    Media,
    MediaKind,
    MoveChat,
    OutboxEntry,
    OutboxMessage,
    Retry,
    RetryPolicy,
    decide,
    decide_edit,
)
from outbox.alerts import DeliveryAlerts
from outbox.pacing import Pacer
from outbox.settings import OutboxSettings
from outbox.telegram import UnreadableAnswer, classify, inline_markup, reply_markup, unchanged
from storage import Database, Repositories
from storage.leader import LeaderLock
from storage.repos.outbox import OUTBOX

logger = logging.getLogger(__name__)

LOCK_NAME = "outbox-sender"
# Outcomes recorded per transaction at most; bigger batches hold SQLite's write lock longer.
WRITE_BATCH = 500
# How long a stopping sender waits for requests already on the wire.
STOP_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class Outcome:
    entry: OutboxEntry
    at: datetime
    message_id: int | None = None  # set when sent
    failure: Failure | None = None


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        database: Database,
        settings: OutboxSettings,
        *,
        clock: Clock,
        alerts: DeliveryAlerts,
        wake: asyncio.Event | None = None,
    ) -> None:
        self.bot = bot
        self.database = database
        self.settings = settings
        self.clock = clock
        # Set by any commit that enqueued a message (storage.changes), so it goes at once
        # rather than at the next poll.
        self.wake = wake or database.changed(OUTBOX)
        self.pacer = Pacer(
            global_per_s=settings.global_per_s,
            private_per_s=settings.private_per_s,
            group_per_min=settings.group_per_min,
            headroom=settings.headroom,
        )
        self.policy = RetryPolicy(
            base_delay=timedelta(seconds=settings.retry_base_s),
            max_delay=timedelta(seconds=settings.retry_max_s),
            max_attempts=settings.max_attempts,
        )
        self.alerts = alerts
        self.lock = LeaderLock(database, LOCK_NAME)
        self._stopping = asyncio.Event()
        self._tasks: dict[int, asyncio.Task[None]] = {}  # outbox id -> its send task
        self._chats: dict[int, int] = {}  # chat id -> outbox id being sent there
        self._on_wire: set[int] = set()  # outbox ids whose request has gone out
        # Claimed ids until their outcome is committed: a row whose task has finished but
        # whose outcome is not yet written is still pending in the table.
        self._claimed: set[int] = set()
        self._stopping_since: float | None = None  # loop time stop() was first called
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._slot_freed = asyncio.Event()
        self._claim_at_least = max(1, settings.max_in_flight // 4)

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until `stop()`; as a standby instance, wait for the leader lock first.

        A sender runs once: a `stop()` that comes before `run()` starts is not forgotten.
        """
        if not await self._acquire_lock():
            return
        logger.info("outbox sender active")
        writer = asyncio.create_task(self._write_outcomes())
        try:
            await self._drain()
        finally:
            await self._finish_tasks()
            await self._outcomes.join()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            await self.lock.release()
            logger.info("outbox sender stopped")

    async def stop(self) -> None:
        """Ask `run()` to return after the requests already sent are answered and recorded."""
        if self._stopping_since is None:
            self._stopping_since = asyncio.get_running_loop().time()
        self._stopping.set()
        self.wake.set()

    async def _drain(self) -> None:
        lock_checked = asyncio.get_running_loop().time()
        while not self._stopping.is_set():
            try:
                # Checked on a timer, busy or idle: under a steady backlog the loop never
                # idles, and a lost lock must still be noticed.
                if asyncio.get_running_loop().time() - lock_checked > self.settings.idle_poll_s:
                    lock_checked = asyncio.get_running_loop().time()
                    if not await self._keep_lock():
                        return
                free = self.settings.max_in_flight - len(self._tasks)
                if self._tasks and free < self._claim_at_least:
                    # Claiming a row or two per finished send would cost a query per message.
                    await self._wait(self.settings.idle_poll_s)
                    continue
                want = min(free, self.settings.batch_size)
                if await self._claim(want) == want:
                    continue  # probably more due: claim again while slots are free
                self.pacer.forget_idle(set(self._chats))
                await self._wait(await self._idle_seconds())
            except Exception:
                # The database may be restarting; nothing is lost while rows stay pending.
                logger.exception("outbox sender step failed; retrying")
                await self._wait(self.settings.idle_poll_s, wake=False)

    async def _acquire_lock(self) -> bool:
        """Wait until this instance leads; False when stopped first.

        A database that is down or restarting must not end the sender for good: the bot would
        keep answering while nothing it owes anyone is ever sent.
        """
        while True:
            try:
                if await self.lock.try_acquire():
                    return True
            except Exception:
                logger.exception("outbox leader lock unavailable; retrying")
            if await self._wait(self.settings.idle_poll_s, wake=False):
                return False

    async def _keep_lock(self) -> bool:
        """False when stopping while waiting to get a lost leader lock back."""
        if await self.lock.check():
            return True
        # Another instance may take over at once: stop everything not yet on the wire, or
        # both would send the same rows.
        logger.error("lost the outbox leader lock; waiting to get it back")
        await self._abandon_unsent()
        return await self._acquire_lock()

    async def _idle_seconds(self) -> float:
        limit = self.settings.idle_poll_s
        if len(self._tasks) >= self.settings.max_in_flight:
            return limit  # every slot is busy: a finished task wakes the loop
        async with self.database.session() as session:
            due = await Repositories(session).outbox.next_due_at(exclude=self._claimed)
        if due is None:
            return limit
        return min(limit, max(0.0, (due - self.clock.now()).total_seconds()))

    async def _wait(self, seconds: float, *, wake: bool = True) -> bool:
        """Sleep up to `seconds`, less if woken or a slot frees; True when stopping."""
        events = [self._stopping] + ([self.wake, self._slot_freed] if wake else [])
        waiters = [asyncio.create_task(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self.wake.clear()
        self._slot_freed.clear()
        return self._stopping.is_set()

    async def _claim(self, limit: int) -> int:
        """Start sending due rows; rows for a chat that cannot take one now wait in the table.

        Returns how many due rows were read, started or not.
        """
        now = self.clock.now()
        deferred: set[int] = set()
        async with self.database.transaction() as session:
            outbox = Repositories(session).outbox
            entries = await outbox.due(now, limit, exclude=self._claimed)
            for entry in entries:
                chat = entry.chat_id
                if chat in deferred:
                    continue
                wait = self.pacer.chat_wait(chat)
                if chat in self._chats:
                    wait = max(wait, self.pacer.interval(chat))
                if wait > 0:
                    # Without this one busy group would fill every slot and stall the rest;
                    # its whole backlog moves at once, so the next claim reaches other chats.
                    await outbox.defer_chat(chat, now + timedelta(seconds=wait))
                    deferred.add(chat)
                    continue
                self._chats[chat] = entry.id
                self._claimed.add(entry.id)
                self._tasks[entry.id] = asyncio.create_task(self._send(entry))
        return len(entries)

    async def _abandon_unsent(self) -> None:
        """Cancel sends whose request has not gone out; their rows simply stay pending."""
        for entry_id, task in list(self._tasks.items()):
            if entry_id not in self._on_wire:
                task.cancel()

    async def _finish_tasks(self) -> None:
        # Requests on the wire are waited for: cancelling them would leave unknown whether
        # Telegram acted.
        await self._abandon_unsent()
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=STOP_GRACE_S)

    # --- sending ---------------------------------------------------------------------------

    async def _send(self, entry: OutboxEntry) -> None:
        message = entry.message
        queued = False
        try:
            await self.pacer.acquire(message.chat_id)
            self._on_wire.add(entry.id)
            try:
                message_id = await self._request(message)
            except UnreadableAnswer as error:
                # Done, but its answer (the message id) cannot be read: sending it again would
                # deliver it again. An unreadable error answer is retried like a 5xx.
                failure = None if error.succeeded else classify(error, message.chat_id)
                logger.warning("outbox %d: the answer could not be read (%s)", entry.id, failure)
                self._outcomes.put_nowait(Outcome(entry, self.clock.now(), failure=failure))
            except Exception as error:  # anything unforeseen is retried, up to the cap
                if isinstance(error, TelegramRetryAfter):
                    self.pacer.pause(message.chat_id, float(error.retry_after))
                elif isinstance(error, TelegramUnauthorizedError):
                    # Every other send would fail the same way; nobody is helped by trying.
                    logger.critical("Telegram refuses the bot's token: %s", error)
                    self.pacer.pause_all(UNAUTHORIZED_PAUSE.total_seconds())
                failure = classify(error, message.chat_id)
                self._outcomes.put_nowait(Outcome(entry, self.clock.now(), failure=failure))
            else:
                self._outcomes.put_nowait(Outcome(entry, self.clock.now(), message_id))
            finally:
                self.pacer.answered()
            queued = True
        finally:
            if not queued:  # cancelled before sending: the row is simply still pending
                self._claimed.discard(entry.id)
            self._on_wire.discard(entry.id)
            self._tasks.pop(entry.id, None)
            if self._chats.get(message.chat_id) == entry.id:
                del self._chats[message.chat_id]
            self._slot_freed.set()

    async def _request(self, message: OutboxMessage) -> int:
        """Send the message, or edit the one it names (its text, or only its keyboard); that
        message's id."""
        if message.media is not None:
            return await self._send_media(message, message.media)
        if message.edit_message_id is None:
            sent = await self.bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply_markup(message.reply_markup),
            )
            return sent.message_id
        try:
            if message.edits_text:
                await self.bot.edit_message_text(
                    text=message.text,
                    chat_id=message.chat_id,
                    message_id=message.edit_message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=inline_markup(message.reply_markup),
                )
            else:
                await self.bot.edit_message_reply_markup(
                    chat_id=message.chat_id,
                    message_id=message.edit_message_id,
                    reply_markup=inline_markup(message.reply_markup),
                )
        except TelegramBadRequest as error:
            # Already as wanted, e.g. a press took the buttons off its own message: done.
            if not unchanged(error):
                raise
        return message.edit_message_id

    async def _send_media(self, message: OutboxMessage, media: Media) -> int:
        """A photo or document, uploaded from its bytes or named by a file_id sent before."""
        file: BufferedInputFile | str = media.file_id or ""
        if media.data is not None:
            file = BufferedInputFile(media.data, media.filename)
        caption = message.text or None
        markup = reply_markup(message.reply_markup)
        if media.kind is MediaKind.PHOTO:
            sent = await self.bot.send_photo(
                chat_id=message.chat_id,
                photo=file,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        else:
            sent = await self.bot.send_document(
                chat_id=message.chat_id,
                document=file,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return sent.message_id

    # --- recording -------------------------------------------------------------------------

    async def _write_outcomes(self) -> None:
        while True:
            batch = [await self._outcomes.get()]
            while len(batch) < WRITE_BATCH and not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            try:
                await self._write(batch)
            finally:
                for outcome in batch:
                    self._claimed.discard(outcome.entry.id)
                    self._outcomes.task_done()

    async def _write(self, batch: list[Outcome]) -> None:
        # A sent message whose outcome is not recorded would be sent again, so a failing write
        # is retried for as long as the sender runs (its rows stay claimed meanwhile); only
        # when stopping does it give up after the grace period, leaving the rows pending.
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.database.transaction() as session:
                    repos = Repositories(session)
                    sent = [
                        (o.entry.id, o.message_id or 0, o.at) for o in batch if o.failure is None
                    ]
                    await repos.outbox.mark_sent_many(sent)
                    alerted = False
                    for outcome in batch:
                        if outcome.failure is not None:
                            alerted |= await self._record(repos, outcome, outcome.failure)
                if alerted:
                    self.wake.set()
                return
            except Exception:
                logger.exception(
                    "recording %d outbox outcomes failed (try %d)", len(batch), attempt
                )
                stopping_since = self._stopping_since
                loop_time = asyncio.get_running_loop().time()
                if stopping_since is not None and loop_time - stopping_since > STOP_GRACE_S:
                    logger.error("giving up on %d outcomes; they will be sent again", len(batch))
                    return
                await asyncio.sleep(min(2.0**attempt, 30.0))

    async def _record(self, repos: Repositories, outcome: Outcome, failure: Failure) -> bool:
        """Store one failed attempt's consequence; True if it queued an alert for the admins."""
        entry, now = outcome.entry, outcome.at
        rule = decide_edit if entry.message.is_edit else decide
        decision = rule(failure, entry.attempts + 1, now, self.policy)
        logger.warning("outbox %d to %d: %s -> %s", entry.id, entry.chat_id, failure, decision)
        if failure.kind is FailureKind.UNKNOWN_OUTCOME:
            logger.warning(
                "outbox %d to %d: the send's outcome is unknown; if Telegram delivered it, "
                "sending it again delivers it twice",
                entry.id,
                entry.chat_id,
            )
            await repos.outbox.note_uncertain(entry.id)
        match decision:
            case Retry(at=at, reason=reason, counts=counts):
                await repos.outbox.reschedule(entry.id, at, error=reason, attempted=counts)
            case MoveChat(new_chat_id=new) if new != entry.chat_id:
                await repos.outbox.move_chat(entry.chat_id, new)
                await repos.groups.migrate(entry.chat_id, new)
                # Counted, so a chain of migrations cannot bounce a row forever; it keeps its
                # place in line, ahead of the chat's later messages that moved with it.
                await repos.outbox.reschedule(entry.id, entry.next_attempt_at, attempted=True)
            case MoveChat():
                reason = "migrated to the same chat"
                await repos.outbox.mark_failed(entry.id, reason)
                return await self.alerts.failed(repos, entry, reason, now)
            case GiveUp(reason=reason, quiet=True):
                await repos.outbox.mark_failed(entry.id, reason)
            case GiveUp(reason=reason):
                await repos.outbox.mark_failed(entry.id, reason)
                return await self.alerts.failed(repos, entry, reason, now)
            case MarkUnreachable(reason=reason):
                _, newly = await repos.outbox.mark_unreachable(entry.id, reason, now=now)
                return await self.alerts.unreachable(repos, entry, reason, now, newly=newly)
        return False
