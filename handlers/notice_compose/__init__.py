"""/notice: the compose dialog for prevention notices (supervisors for their subtree, admins).

A private dialog kept in FSM storage (survives restarts): text, template or file; scope;
audience; acknowledgement and deadline; now, at a time or repeated; a preview of exactly what
recipients see; then send. Every update checks the author's rights again, and every button
its dialog, step and value (handlers/notice_compose/steps.py)."""

from aiogram import F, Router
from aiogram.filters import Command

from handlers.notice_compose.dialog import NoticeCompose
from handlers.notice_compose.steps import answer_given, notice_command, step_pressed
from texts.notice_compose import NoticeStep

__all__ = ["NoticeCompose", "create_router"]


def create_router() -> Router:
    router = Router(name="notice-compose")
    private = F.chat.type == "private"
    router.message.register(notice_command, Command("notice"), private)
    router.callback_query.register(step_pressed, NoticeStep.filter())
    router.message.register(answer_given, NoticeCompose.composing, private, ~F.text.startswith("/"))
    return router
