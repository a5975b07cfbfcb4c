"""What the lower layers take from the configuration, as plain values built here at the
composition root: services, the clock and the calendar jobs never read the settings."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.config.escalation import work_calendar
from domain.org import Language
from outbox.alerts import DeliveryAlerts
from scheduler.context import JobsConfig, ScheduledJob
from services.case_handling import HandlingPolicy
from services.declarations import FollowupConfig
from services.drafts import NOTICE_KEY
from services.notices import NoticeConfig, NoticeService
from services.obligations import EscalationPolicy
from texts.declarations import TEXTS as DECLARATION_TEXTS
from texts.i18n import Translator, render
from texts.notice_render import NoticeRenderer, NoticeTemplates


def escalation_policy(settings: Settings) -> EscalationPolicy:
    """The configured chains and work calendar (validated when the settings were loaded)."""
    calendar = work_calendar(settings.time.zone, settings.quiet_hours, settings.holidays)
    return EscalationPolicy(settings.escalation.chain_book(), calendar)


def handling_policy(settings: Settings) -> HandlingPolicy:
    """How long staff have to record an immediate report or a positive result as handled."""
    return HandlingPolicy(
        escalation_policy(settings),
        timedelta(minutes=settings.declarations.handle_within_minutes),
    )


def followup_config(settings: Settings) -> FollowupConfig:
    """What submitting and re-screening declarations need from the settings."""
    return FollowupConfig(
        policy=settings.policy.to_policy(),
        zone=settings.time.zone,
        checkin_due=settings.declarations.checkin_due,
        test_due=settings.declarations.test_due,
        handle_within=timedelta(minutes=settings.declarations.handle_within_minutes),
        escalation=escalation_policy(settings),
        admins=tuple(settings.admins.telegram_ids),
        default_language=settings.i18n.default_locale,
        texts=DECLARATION_TEXTS,
    )


def jobs_config(settings: Settings) -> JobsConfig:
    """The calendar jobs' configuration: the effective [[jobs.schedule]] and the policies."""
    zone = settings.time.timezone
    jobs = settings.jobs
    return JobsConfig(
        zone=settings.time.zone,
        default_language=settings.i18n.default_locale,
        reports=settings.reports.policy(),
        escalation=escalation_policy(settings),
        schedule=tuple(
            ScheduledJob(job.name, job.action, job.cron, job.zone(zone), job.enabled)
            for job in jobs.schedule
        ),
        misfire_grace_s=jobs.misfire_grace_s,
        expire_after_days=jobs.expire_after_days,
        updates_retention_days=jobs.updates_retention_days,
        outbox_retention_days=jobs.outbox_retention_days,
        personal_retention_days=settings.privacy.retention_days,
        boards=settings.reports.board.settings(),
        bulletin=settings.views.bulletin.settings(),
    )


def delivery_alerts(settings: Settings) -> DeliveryAlerts:
    """Who hears of messages that cannot be delivered, in which language and local date."""
    return DeliveryAlerts(
        settings.admins.telegram_ids, settings.i18n.default_locale, settings.time.zone, render
    )


def expired_draft_notice(language: Language) -> str:
    """The notice that a half-finished declaration has expired (services.drafts.expire)."""
    return Translator(language)(NOTICE_KEY)


def notice_service(settings: Settings, templates: NoticeTemplates | None = None) -> NoticeService:
    """Prevention notices: their texts in the configured zone, the notice_ack chain and the
    calendar's quiet hours. `templates`: the notice templates (texts by language); by
    default those of [notices] (bot/config/notices.py)."""
    return NoticeService(
        NoticeConfig(
            NoticeRenderer(
                settings.time.zone,
                settings.notices.texts() if templates is None else templates,
            ),
            escalation_policy(settings),
            settings.i18n.default_locale,
        )
    )
