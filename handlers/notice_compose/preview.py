"""The preview: the notice exactly as its first unit's recipients will get it (rendered by
texts.notice_render, as the sending service renders it), with its photo or file."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.context import Context
from domain.notices import AttachmentKind, Audience, NoticeRequest
from domain.org import GroupPurpose, Unit
from texts.notice_render import render_notice


async def author_name(ctx: Context) -> str:
    person = await ctx.repos.people.get(ctx.actor.telegram_id)
    return person.name if person is not None else str(ctx.actor.telegram_id)


async def send_preview(ctx: Context, request: NoticeRequest, unit: Unit) -> None:
    # As its liaison gets it: with the one-tap forward when the unit has a residents group.
    can_forward = Audience.LIAISONS in request.audiences and bool(
        await ctx.repos.groups.of_unit(unit.code, GroupPurpose.RESIDENTS)
    )
    rendered = render_notice(
        ctx.tr,
        request.content,
        templates=ctx.settings.notices.texts(),
        unit_name=unit.name,
        author_name=await author_name(ctx),
        ack_by=request.ack_by,
        zone=ctx.settings.time.zone,
        urgent=request.urgent,
        ack_required=request.ack_required,
        can_forward=can_forward,
    )
    chat = ctx.actor.telegram_id
    await ctx.bot.send_message(chat, ctx.tr("ncp-preview-title", unit=unit.name))
    markup = (
        InlineKeyboardMarkup.model_validate(rendered.reply_markup)
        if rendered.reply_markup
        else None
    )
    attachment = request.content.attachment
    if attachment is None:
        await ctx.bot.send_message(chat, rendered.text, reply_markup=markup)
    elif attachment.kind is AttachmentKind.PHOTO:
        await ctx.bot.send_photo(
            chat, attachment.file_id, caption=rendered.text, reply_markup=markup
        )
    else:
        await ctx.bot.send_document(
            chat, attachment.file_id, caption=rendered.text, reply_markup=markup
        )
