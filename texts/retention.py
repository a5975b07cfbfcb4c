"""Retention on the case card and the replies of `/hold` (services/retention.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.cases import Case
from texts.i18n import Translator
from texts.rendering import local_time


def held_lines(tr: Translator, case: Case, zone: ZoneInfo) -> list[str]:
    """The hold keeping the case from the purge, if an admin set one: one line."""
    held = case.stored.hold
    if held is None:
        return []
    who = case.names.get(held.by, str(held.by))
    return [tr("case-card-held", at=local_time(held.at, zone), name=who, reason=held.reason)]
