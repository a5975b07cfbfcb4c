"""/declare_for when the filer has declared for residents before: the list of those still
active (each opens it), "someone else", and under one of them "update" or "nothing changed"."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.declaration_support import mask_phone
from services.declarations.update import ActiveDeclaration
from texts.declaration_update import active_lines
from texts.i18n import Translator
from texts.keyboards import RowId


class ProxyAction(StrEnum):
    OPEN = "open"  # show it with its two buttons
    UPDATE = "update"
    SAME = "same"  # nothing changed


class DeclProxy(CallbackData, prefix="v1dclp"):
    """A button about one proxy declaration; the handler checks the filer and id again."""

    action: ProxyAction
    id: RowId


class DeclProxyNew(CallbackData, prefix="v1dcln"):
    """ "Someone else": a new proxy declaration."""


def _name(active: ActiveDeclaration) -> str:
    return active.stored.declaration.name or f"#{active.stored.id}"


def proxy_list_text(tr: Translator) -> str:
    return tr("declare-for-actives")


def proxy_list_keyboard(tr: Translator, actives: list[ActiveDeclaration]) -> InlineKeyboardMarkup:
    """One button per resident (name and masked phone), then "someone else"."""
    rows = []
    for active in actives:
        phone = mask_phone(active.stored.declaration.phone) or "-"
        text = tr("declare-for-active-button", name=_name(active), phone=phone)
        data = DeclProxy(action=ProxyAction.OPEN, id=active.stored.id).pack()
        rows.append([InlineKeyboardButton(text=text, callback_data=data)])
    new = InlineKeyboardButton(text=tr("declare-for-new"), callback_data=DeclProxyNew().pack())
    rows.append([new])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def proxy_active_text(tr: Translator, active: ActiveDeclaration, zone: ZoneInfo) -> str:
    stored = active.stored
    submitted = stored.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    title = tr(
        "declare-for-active-title",
        name=_name(active),
        id=stored.id,
        version=stored.version,
        submitted=submitted,
    )
    return "\n".join([title, *active_lines(tr, active), tr("declare-active-ask")])


def proxy_active_keyboard(tr: Translator, declaration_id: int) -> InlineKeyboardMarkup:
    def button(key: str, action: ProxyAction) -> InlineKeyboardButton:
        data = DeclProxy(action=action, id=declaration_id).pack()
        return InlineKeyboardButton(text=tr(key), callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button("declare-active-update", ProxyAction.UPDATE),
                button("declare-active-same", ProxyAction.SAME),
            ]
        ]
    )
