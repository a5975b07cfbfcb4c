"""Composition root: build the bot and dispatcher from settings, run polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import DEFAULT_TIMEOUT
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.clock import SystemClock
from bot.config import Settings
from bot.menus import set_default_menus
from bot.middlewares import (
    ActorMiddleware,
    DialogStateMiddleware,
    SerialPerChatMiddleware,
    SkipEventlessUpdatesMiddleware,
    UnitOfWorkMiddleware,
)
from bot.retry import RetryRequestMiddleware
from bot.session import BotSession, CommitBeforeRequestMiddleware
from bot.webhook import WebhookHandler
from bot.wiring import (
    delivery_alerts,
    expired_draft_notice,
    followup_config,
    handling_policy,
    jobs_config,
    notice_service,
)
from domain.clock import Clock
from handlers import build_router
from outbox.sender import STOP_GRACE_S, OutboxSender
from scheduler.actions import open_today
from scheduler.boards import BoardRefresher
from scheduler.digests import Digests
from scheduler.engine import ObligationEngine
from scheduler.jobs import CalendarJobs
from scheduler.notices import NoticeRefresher
from services.checkin_service import CheckinService
from services.declarations import DeclarationService
from services.obligations import EscalationPolicy
from services.onboarding import OnboardingService
from services.reports import ReportService
from services.result_fixes import ResultService
from storage import Database, SQLStorage
from storage.fsm import redis_storage
from texts.boards import BoardTexts
from texts.bulletin import BulletinTexts
from texts.checkins import alert_markup, render_alert
from texts.digests import EscalationDigestTexts
from texts.measure_end import MEASURE_TEXTS
from texts.obligations import ObligationTexts
from texts.reports import ReportTexts
from texts.result_fixes import ResultTexts

logger = logging.getLogger(__name__)


def create_bot(
    settings: Settings,
    *,
    retry: bool = True,
    request_timeout: float = DEFAULT_TIMEOUT,
    database: Database | None = None,
) -> Bot:
    """`retry=False` for the outbox sender, which handles 429 and errors itself. With
    `database`, a handler's request first commits its update's unit of work there."""
    if settings.telegram.token is None:
        raise ValueError("telegram.token is not set")
    session = (
        BotSession(
            api=TelegramAPIServer.from_base(settings.telegram.api_base), timeout=request_timeout
        )
        if settings.telegram.api_base
        else BotSession(timeout=request_timeout)
    )
    if database is not None:
        # Outermost: committed once, before the first attempt, not again per retry.
        session.middleware(CommitBeforeRequestMiddleware(database))
    if retry:
        session.middleware(RetryRequestMiddleware())
    return Bot(
        settings.telegram.token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_fsm_storage(settings: Settings, database: Database) -> BaseStorage:
    if settings.fsm.storage == "memory":
        return MemoryStorage()
    if settings.fsm.storage == "redis":
        return redis_storage(settings.redis.url)
    return SQLStorage(database)


def create_events_isolation(settings: Settings) -> BaseEventIsolation:
    if settings.fsm.storage == "redis":
        # Several instances share Redis, so the lock must live there too.
        from aiogram.fsm.storage.redis import RedisEventIsolation

        return RedisEventIsolation.from_url(settings.redis.url)
    return SimpleEventIsolation()


def create_dispatcher(
    settings: Settings,
    database: Database,
    *,
    clock: Clock | None = None,
    storage: BaseStorage | None = None,
) -> Dispatcher:
    clock = clock or SystemClock()
    storage = storage or create_fsm_storage(settings, database)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=create_events_isolation(settings),
        # aiogram's FSM middleware would read the dialog's state before the update's unit of
        # work opens, in a transaction of its own: its two halves are registered below.
        disable_fsm=True,
        settings=settings,
        database=database,
        clock=clock,
    )
    # Order matters: skip what cannot be handled before taking the chat's turn; then one unit
    # of work holds the redelivery check, the caller and the dialog's state.
    dispatcher.update.outer_middleware(SkipEventlessUpdatesMiddleware())
    dispatcher.update.outer_middleware(SerialPerChatMiddleware(dispatcher.fsm))
    # Dialogs kept elsewhere than in the database are not rolled back with a redelivery.
    in_database = isinstance(storage, SQLStorage)
    dispatcher.update.outer_middleware(
        UnitOfWorkMiddleware(database, clock, check_first=not in_database)
    )
    dispatcher.update.outer_middleware(ActorMiddleware(settings, clock))
    dispatcher.update.outer_middleware(DialogStateMiddleware())
    # The services, built once with their policies and renderers.
    dispatcher["report_service"] = ReportService(
        settings.reports.policy(),
        settings.time.zone,
        ReportTexts(),
        settings.i18n.default_locale,
        fever_threshold=settings.policy.fever_threshold,
    )
    dispatcher["declaration_service"] = DeclarationService(followup_config(settings))
    dispatcher["onboarding_service"] = OnboardingService(
        invite_ttl=timedelta(hours=settings.invites.ttl_hours)
    )
    result_texts = ResultTexts()
    dispatcher["checkin_service"] = CheckinService(
        fever_threshold=settings.policy.fever_threshold,
        zone=settings.time.zone,
        render=render_alert,
        fix_markup=result_texts.fix_markup,
        handling=handling_policy(settings),
        alert_markup=alert_markup,
    )
    dispatcher["result_service"] = ResultService(
        result_texts, settings.time.zone, handling_policy(settings)
    )
    dispatcher["notice_service"] = notice_service(settings)
    dispatcher.include_router(build_router())

    async def on_startup(bot: Bot) -> None:
        me = await bot.get_me()
        logger.info("running as @%s (%s)", me.username, me.id)
        await set_default_menus(bot, settings.i18n.default_locale)

    dispatcher.startup.register(on_startup)
    return dispatcher


SENDER_REQUEST_TIMEOUT_S = STOP_GRACE_S * 2 / 3


def create_sender(settings: Settings, database: Database, clock: Clock) -> OutboxSender:
    return OutboxSender(
        # A bot of its own: the shared one's retry middleware would sit out 429s in place,
        # while the sender reschedules the message and keeps the other chats going.
        # Its requests must end within the sender's stop grace, or a send still on the wire
        # at shutdown would be abandoned unrecorded and sent again.
        create_bot(settings, retry=False, request_timeout=SENDER_REQUEST_TIMEOUT_S),
        database,
        settings.outbox,
        clock=clock,
        alerts=delivery_alerts(settings),
    )


def create_engine(
    settings: Settings, database: Database, clock: Clock, policy: EscalationPolicy
) -> ObligationEngine:
    return ObligationEngine(
        database,
        policy.chains,
        policy.calendar,
        ObligationTexts(),
        now=clock.now,
        admins=settings.admins.telegram_ids,
        default_language=settings.i18n.default_locale,
        digests=Digests(
            settings.escalation.digest_window,
            EscalationDigestTexts(),
            policy.chains,
            policy.calendar.zone,
        ),
    )


@dataclass(slots=True)
class App:
    settings: Settings
    database: Database
    bot: Bot
    dispatcher: Dispatcher
    engine: ObligationEngine
    jobs: CalendarJobs
    sender: OutboxSender | None = None
    boards: BoardRefresher | None = None  # keeps the groups' report boards current
    notices: NoticeRefresher | None = None  # notices' status cards, postings, delivery

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> App:
        clock = clock or SystemClock()
        database = Database.connect(settings.database.url)
        bot = create_bot(settings, database=database)
        dispatcher = create_dispatcher(settings, database, clock=clock)
        config = jobs_config(settings)
        # Handlers that open obligations schedule them with the same policy the clock uses.
        dispatcher["policy"] = config.escalation
        engine = create_engine(settings, database, clock, config.escalation)
        jobs = CalendarJobs(
            database,
            config,
            now=clock.now,
            rollup_texts=ReportTexts(),
            draft_notice=expired_draft_notice,
            measure_texts=MEASURE_TEXTS,
            board_texts=BoardTexts(),
            bulletin_texts=BulletinTexts(),
            notice_config=dispatcher["notice_service"].config,
        )
        sender = create_sender(settings, database, clock) if settings.outbox.enabled else None
        boards = None
        if config.boards.enabled:
            boards = BoardRefresher(
                database,
                BoardTexts(),
                config.boards,
                now=clock.now,
                language=settings.i18n.default_locale,
                zone=settings.time.zone,
            )
        notices = NoticeRefresher(
            database,
            dispatcher["notice_service"],
            now=clock.now,
            pin=lambda chat, message: bot.pin_chat_message(
                chat, message, disable_notification=True
            ),
        )
        return cls(settings, database, bot, dispatcher, engine, jobs, sender, boards, notices)

    async def run(self, *, handle_signals: bool = True) -> None:
        """Run until stopped; an embedding program (the sandbox) handles signals itself."""
        sender_task = asyncio.create_task(self.sender.run()) if self.sender else None
        engine_task = asyncio.create_task(self.engine.run())
        boards_task = asyncio.create_task(self.boards.run()) if self.boards else None
        notices_task = asyncio.create_task(self.notices.run()) if self.notices else None
        self.jobs.start()
        await self._catch_up()
        try:
            if self.settings.telegram.mode == "webhook":
                await self._run_webhook()
            else:
                await self.bot.delete_webhook()
                await self.dispatcher.start_polling(
                    self.bot,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                    handle_signals=handle_signals,
                )
        finally:
            await self.jobs.shutdown()
            # The clock and the boards before the sender: a pass they finish writes to the
            # outbox it drains.
            if self.boards is not None and boards_task is not None:
                await self.boards.stop()
                try:
                    await boards_task
                except Exception:
                    logger.exception("the report boards' refresher failed")
            if self.notices is not None and notices_task is not None:
                await self.notices.stop()
                try:
                    await notices_task
                except Exception:
                    logger.exception("the notice refresher failed")
            await self.engine.stop()
            try:
                await engine_task
            except Exception:
                logger.exception("the obligation clock failed")
            if self.sender is not None and sender_task is not None:
                await self.sender.stop()
                try:
                    await sender_task
                except Exception:
                    logger.exception("the outbox sender failed")
                await self.sender.bot.session.close()
            # Polling closes it when it ends; a start that failed before polling did not.
            await self.bot.session.close()
            await self.dispatcher.storage.close()
            await self.database.dispose()

    async def _catch_up(self) -> None:
        """What the calendar jobs would have done today while the bot was down: the job
        store is in memory, so a missed run is not replayed by APScheduler. Both are
        idempotent, so a restart after they ran does nothing again."""
        now = self.engine.now()
        try:
            # The daily job opens the day's reports at midnight; a bot down then opens them
            # now (those whose deadline is still ahead).
            config = self.jobs.config
            opened = await open_today(self.database, config.escalation, config.reports, now)
            logger.info("opened %d unit reports for today", opened)
            local = now.astimezone(self.settings.time.zone).time()
            # A board whose time came today while the bot was down is posted now (and closed
            # at once by the roll-up below if its deadline has passed too).
            for name, at in self.jobs.board_jobs.items():
                if local >= at:
                    await self.jobs.run_now(name)
            # A roll-up whose deadline passed today while the bot was down goes out now.
            for name, deadline in self.jobs.rollup_jobs.items():
                if local >= deadline:
                    await self.jobs.run_now(name)
        except Exception:
            logger.exception("catching up on today's calendar jobs failed")

    async def stop(self) -> None:
        """Ask a running polling loop to finish its current updates and return."""
        await self.dispatcher.stop_polling()

    async def _run_webhook(self) -> None:
        hook = self.settings.telegram.webhook
        assert hook.url is not None
        assert hook.secret_token is not None
        secret = hook.secret_token.get_secret_value()
        app = web.Application()
        WebhookHandler(self.dispatcher, self.bot, secret_token=secret).register(app, hook.path)
        setup_application(app, self.dispatcher, bot=self.bot)
        await self.bot.set_webhook(
            hook.url.rstrip("/") + hook.path,
            secret_token=secret,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, hook.host, hook.port).start()
        logger.info("webhook listening on %s:%s%s", hook.host, hook.port, hook.path)
        try:
            await _wait_forever()
        finally:
            await runner.cleanup()


async def _wait_forever() -> None:
    await asyncio.Event().wait()
