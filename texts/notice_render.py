"""What the people of a notice see: the recipient's message (exactly, so the compose dialog's
preview is the real thing), the author's live status card, and the posting in a residents
group with its unit's confirmation state.

The author's text is plain text, escaped here, so it arrives exactly as typed. A template
notice is rendered in the recipient's language when the template has it, with `{unit}` the
recipient's unit.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.notices import Notice, NoticeContent, NoticeState, Tally
from domain.org import Language
from texts.i18n import Translator
from texts.messaging import TELEGRAM_TEXT_LIMIT, shorten
from texts.notice_keyboards import answer_markup, card_markup, recipient_markup

# Template key -> language -> text (plain text; `{unit}` is the recipient's unit name).
NoticeTemplates = Mapping[str, Mapping[Language, str]]

# Telegram's limit for a photo's or document's caption.
CAPTION_LIMIT = 1024
# How much of the notice the status card quotes.
CARD_EXCERPT = 80


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """A message as the outbox sends it: Telegram HTML and a Bot API keyboard."""

    text: str
    reply_markup: dict[str, Any] | None


def notice_body(
    content: NoticeContent, language: Language, unit_name: str, templates: NoticeTemplates
) -> str:
    """The notice's own words for one recipient, as plain text (not yet escaped)."""
    text = content.text
    if content.template_key is not None:
        text = templates.get(content.template_key, {}).get(language, text)
    # Only the `{unit}` placeholder: an author's braces stay as they are.
    return text.replace("{unit}", unit_name)


def excerpt_source(tr: Translator, content: NoticeContent, templates: NoticeTemplates) -> str:
    """The notice's words for a quote in a list or card (plain text, one line): a template's
    in the reader's language, its `{unit}` a general word since no one unit is meant."""
    body = notice_body(content, tr.language, tr("ntc-excerpt-unit"), templates)
    return " ".join(body.split())


def render_notice(
    tr: Translator,
    content: NoticeContent,
    *,
    templates: NoticeTemplates,
    unit_name: str,
    author_name: str,
    ack_by: datetime | None,
    zone: ZoneInfo,
    urgent: bool = False,
    ack_required: bool = True,
    recipient_id: int | None = None,
    can_forward: bool = False,
    acknowledged: bool = False,
) -> RenderedNotice:
    """Exactly what a recipient gets. Without `recipient_id` (the preview) the buttons carry
    a placeholder id: pressing a preview's button is refused like any unknown one."""
    body = html.escape(notice_body(content, tr.language, unit_name, templates))
    parts = [tr("ntc-title-urgent" if urgent else "ntc-title", author=author_name, unit=unit_name)]
    parts.append(body)
    if content.attachment is not None and content.attachment.file_name:
        parts.append(tr("ntc-attachment", name=content.attachment.file_name))
    if ack_required and ack_by is not None:
        parts.append(tr("ntc-ack-by", due=ack_by.astimezone(zone).strftime("%m-%d %H:%M")))
    text = "\n\n".join(parts)
    limit = CAPTION_LIMIT if content.attachment is not None else TELEGRAM_TEXT_LIMIT
    markup = recipient_markup(
        tr,
        recipient_id or 1,
        ack_required=ack_required,
        acknowledged=acknowledged,
        can_forward=can_forward,
    )
    return RenderedNotice(_fit(text, limit), markup)


def _fit(text: str, limit: int) -> str:
    """Cut a too long text at a line break rather than inside a tag or an entity."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > 0 else 0] + "…"


def render_posting(
    tr: Translator,
    content: NoticeContent,
    *,
    templates: NoticeTemplates,
    unit_name: str,
    confirmed_at: datetime | None,
    ack_required: bool,
    ack_by: datetime | None,
    zone: ZoneInfo,
) -> str:
    """The notice in a unit's residents group, with the unit's confirmation state. Names of
    who confirmed never appear: only whether the unit has."""
    body = html.escape(notice_body(content, tr.language, unit_name, templates))
    parts = [tr("ntc-post-title", unit=unit_name), body]
    if ack_required:
        if confirmed_at is not None:
            at = confirmed_at.astimezone(zone).strftime("%m-%d %H:%M")
            parts.append(tr("ntc-post-confirmed", unit=unit_name, at=at))
        else:
            due = ack_by.astimezone(zone).strftime("%m-%d %H:%M") if ack_by else ""
            parts.append(tr("ntc-post-pending", unit=unit_name, due=due))
    return _fit("\n\n".join(parts), TELEGRAM_TEXT_LIMIT)


def render_card(
    tr: Translator,
    notice_id: int,
    content: NoticeContent,
    counts: Tally,
    *,
    ack_required: bool,
    ack_by: datetime | None,
    last_reminded_at: datetime | None,
    zone: ZoneInfo,
    cancelled: bool = False,
    templates: NoticeTemplates | None = None,
) -> RenderedNotice:
    """The author's live status card: "32/40 单位已确认", edited in place."""
    excerpt = html.escape(shorten(excerpt_source(tr, content, templates or {}), CARD_EXCERPT))
    lines = [tr("ntc-card-title", id=notice_id), excerpt]
    # Without a confirmation asked, "0/1 confirmed" would read as a shortfall.
    if ack_required and counts.units_total:
        lines.append(
            tr("ntc-card-units", confirmed=counts.units_confirmed, total=counts.units_total)
        )
    if ack_required and counts.people_total:
        lines.append(
            tr("ntc-card-people", confirmed=counts.people_confirmed, total=counts.people_total)
        )
    if not ack_required:
        lines.append(tr("ntc-card-no-ack"))
    elif ack_by is not None:
        lines.append(tr("ntc-card-due", due=ack_by.astimezone(zone).strftime("%m-%d %H:%M")))
    lines.append(
        tr(
            "ntc-card-extra",
            unreachable=counts.unreachable,
            questions=counts.questions,
            postings=counts.postings,
        )
    )
    if last_reminded_at is not None:
        lines.append(
            tr("ntc-card-reminded", at=last_reminded_at.astimezone(zone).strftime("%H:%M"))
        )
    if cancelled:
        lines.append(tr("ntc-card-cancelled"))
    markup = (
        None
        if cancelled
        else card_markup(tr, notice_id, ack_required=ack_required, questions=counts.questions)
    )
    return RenderedNotice("\n".join(lines), markup)


def render_pending(tr: Translator, notice_id: int, names: Sequence[tuple[str, str]]) -> str:
    """The drill-down: (unit, person or "") not confirmed yet, as one message."""
    if not names:
        return tr("ntc-pending-none", id=notice_id)
    lines = [tr("ntc-pending-title", id=notice_id, n=len(names))]
    for unit, person in names:
        lines.append(tr("ntc-pending-line", unit=unit, person=person or "—"))
    return _fit("\n".join(lines), TELEGRAM_TEXT_LIMIT)


@dataclass(frozen=True, slots=True)
class NoticeRenderer:
    """services.notices.NoticeTexts: every notice text in a language, in the configured zone,
    with the configured templates."""

    zone: ZoneInfo
    templates: NoticeTemplates = field(default_factory=dict)

    def recipient(
        self,
        language: Language,
        content: NoticeContent,
        *,
        unit_name: str,
        author_name: str,
        ack_by: datetime | None,
        urgent: bool,
        ack_required: bool,
        recipient_id: int,
        can_forward: bool,
        acknowledged: bool,
    ) -> tuple[str, dict[str, Any] | None]:
        rendered = render_notice(
            Translator(language),
            content,
            templates=self.templates,
            unit_name=unit_name,
            author_name=author_name,
            ack_by=ack_by,
            zone=self.zone,
            urgent=urgent,
            ack_required=ack_required,
            recipient_id=recipient_id,
            can_forward=can_forward,
            acknowledged=acknowledged,
        )
        return rendered.text, rendered.reply_markup

    def posting(
        self,
        language: Language,
        content: NoticeContent,
        *,
        unit_name: str,
        confirmed_at: datetime | None,
        ack_required: bool,
        ack_by: datetime | None,
    ) -> str:
        return render_posting(
            Translator(language),
            content,
            templates=self.templates,
            unit_name=unit_name,
            confirmed_at=confirmed_at,
            ack_required=ack_required,
            ack_by=ack_by,
            zone=self.zone,
        )

    def card(
        self, language: Language, notice: Notice, counts: Tally
    ) -> tuple[str, dict[str, Any] | None]:
        rendered = render_card(
            Translator(language),
            notice.id,
            notice.content,
            counts,
            ack_required=notice.ack_required,
            ack_by=notice.ack_by,
            last_reminded_at=notice.last_reminded_at,
            zone=self.zone,
            cancelled=notice.state is NoticeState.CANCELLED,
            templates=self.templates,
        )
        return rendered.text, rendered.reply_markup

    def message(self, language: Language, key: str, /, **values: object) -> str:
        return Translator(language)(key, **values)

    def answer_markup(self, language: Language, recipient_id: int) -> dict[str, Any]:
        return answer_markup(Translator(language), recipient_id)
