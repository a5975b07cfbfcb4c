"""The follow-up of declarations as the configuration describes it: the plain values the
services take (services may not read the settings), built here at the composition root."""

from __future__ import annotations

from bot.config import Settings
from bot.engine_config import work_calendar
from bot.i18n import Translator
from domain.org import Language
from services.declarations import FollowupConfig
from services.drafts import NOTICE_KEY
from services.obligations import EscalationPolicy


def escalation_policy(settings: Settings) -> EscalationPolicy:
    """The configured chains and work calendar (validated when the settings were loaded)."""
    calendar = work_calendar(settings.time.zone, settings.quiet_hours, settings.holidays)
    return EscalationPolicy(settings.escalation.chain_book(), calendar)


def followup_config(settings: Settings) -> FollowupConfig:
    """What submitting and re-screening declarations need from the settings."""
    return FollowupConfig(
        policy=settings.policy.to_policy(),
        zone=settings.time.zone,
        checkin_due=settings.declarations.checkin_due,
        test_due=settings.declarations.test_due,
        escalation=escalation_policy(settings),
        admins=tuple(settings.admins.telegram_ids),
        default_language=settings.i18n.default_locale,
    )


def expired_draft_notice(language: Language) -> str:
    """The notice that a half-finished declaration has expired (services.drafts.expire)."""
    return Translator(language)(NOTICE_KEY)
