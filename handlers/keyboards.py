"""Callback data (versioned, so old buttons fail cleanly after a change) and keyboards."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from domain.org import Language, Role, Unit

INVITABLE_ROLES = (Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY, Role.TRACKER)
# Beyond this many units a keyboard stops being usable; the user types the unit code instead.
MAX_UNIT_BUTTONS = 30
LANGUAGE_NAMES = {Language.ZH_CN: "中文", Language.EN: "English"}


class LanguageChoice(CallbackData, prefix="v1lang"):
    language: Language


class InviteRoleChoice(CallbackData, prefix="v1invr"):
    role: Role


class InviteUnitChoice(CallbackData, prefix="v1invu"):
    unit: str


class ExcuseObligation(CallbackData, prefix="v1exc"):
    """ "Excuse…" under an escalation. Only an id: the handler loads the obligation and checks
    the presser's rights again, since callback data is whatever the client sends."""

    obligation_id: int


def excuse_markup(tr: Translator, obligation_id: int) -> dict[str, Any]:
    """As Bot API JSON, because it goes into an outbox row rather than straight to aiogram."""
    button = {
        "text": tr("obligation-excuse-button"),
        "callback_data": ExcuseObligation(obligation_id=obligation_id).pack(),
    }
    return {"inline_keyboard": [[button]]}


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageChoice(language=language))
    return builder.as_markup()


def role_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in INVITABLE_ROLES:
        builder.button(text=tr(f"role-{role.value}"), callback_data=InviteRoleChoice(role=role))
    builder.adjust(2)
    return builder.as_markup()


def unit_keyboard(units: list[Unit]) -> InlineKeyboardMarkup | None:
    if not units or len(units) > MAX_UNIT_BUTTONS:
        return None
    builder = InlineKeyboardBuilder()
    for unit in units:
        builder.button(text=unit.name, callback_data=InviteUnitChoice(unit=unit.code))
    builder.adjust(2)
    return builder.as_markup()


def link_keyboard(text: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, url=url)]])
