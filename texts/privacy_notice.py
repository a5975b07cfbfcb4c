"""The privacy notice before a declaration: its text and its two buttons."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.privacy_notice import version_parts
from texts.i18n import Translator


class DeclNotice(CallbackData, prefix="v1dcln"):
    """Accept or decline the notice of the declaration dialog `dialog` (checked on press)."""

    accept: bool
    dialog: str


def version_text(tr: Translator, version: str) -> str:
    """The stored version ("1-30d") as people read it: 第 1 版（保存 30 天）."""
    parts = version_parts(version)
    if parts is None:
        return version
    return tr("notice-version", revision=parts[0], days=parts[1])


def notice_text(
    tr: Translator, *, version: str, unit: str, days: int, proxy: bool, first: bool = False
) -> str:
    parts = [
        *([tr("notice-first")] if first else []),
        tr("notice-title", version=version_text(tr, version)),
        tr("notice-body", unit=unit, days=days),
        tr("notice-ask-proxy" if proxy else "notice-ask"),
    ]
    return "\n\n".join(parts)


def notice_keyboard(tr: Translator, dialog: str, *, proxy: bool) -> InlineKeyboardMarkup:
    accept = tr("notice-accept-proxy" if proxy else "notice-accept")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=accept, callback_data=DeclNotice(accept=True, dialog=dialog).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=tr("notice-decline"),
                    callback_data=DeclNotice(accept=False, dialog=dialog).pack(),
                )
            ],
        ]
    )
