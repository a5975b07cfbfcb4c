"""What a handler needs to know about the update it is handling, in one object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot

from bot.config import Settings
from domain.clock import Clock
from domain.permissions import Actor
from storage import Repositories
from texts.i18n import Translator


@dataclass(frozen=True, slots=True)
class Context:
    """Who is asking (with their roles), in which language, and the update's storage and time.

    Built once per update by ActorMiddleware and passed to handlers as `ctx`, so a handler's
    signature names what it handles rather than the same six dependencies every time.
    """

    actor: Actor
    tr: Translator
    repos: Repositories
    clock: Clock
    settings: Settings
    bot: Bot

    def now(self) -> datetime:
        return self.clock.now()
