"""Returnee declarations (返乡报备): /declare, /declare_for, the group's deep link, the dialog.

The dialog keeps its place in FSM storage (unit, proxy or not, the dialog's id, when it was
last touched, and the `declaration_dialog.Draft`), so it survives restarts; a lease row lets
the expiry job tell the person when a half-finished draft has expired. Nothing stored or
sent back by a button is trusted: a draft that no longer fits restarts politely, a button of
another step or dialog is refused, and `DeclarationService.submit` checks the filer's
rights and the unit again. Nothing personal is ever asked or shown in a group.
"""

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from handlers.declarations.draft import DeclarationDialog, begin
from handlers.declarations.entry import (
    declare_command,
    declare_for_command,
    declare_in_group,
    proxy_new_pressed,
    unit_chosen,
)
from handlers.declarations.living import active_pressed, mine_command
from handlers.declarations.proxy_living import proxy_pressed
from handlers.declarations.steps import (
    answer_given,
    cancel_command,
    notice_pressed,
    step_pressed,
)
from texts.declaration_keyboards import DeclStep, DeclUnit
from texts.declaration_update import DeclActive
from texts.privacy_notice import DeclNotice
from texts.proxy_declarations import DeclProxy, DeclProxyNew

__all__ = ["DeclarationDialog", "begin", "create_cancel_router", "create_router"]


def create_cancel_router() -> Router:
    """Included before the common commands: /cancel of a declaration drops its lease too."""
    router = Router(name="declarations-cancel")
    router.message.register(
        cancel_command,
        Command("cancel"),
        StateFilter(DeclarationDialog.filling),
        F.chat.type == "private",
    )
    return router


def create_router() -> Router:
    router = Router(name="declarations")
    private = F.chat.type == "private"
    router.message.register(declare_command, Command("declare"), private)
    router.message.register(declare_for_command, Command("declare_for"), private)
    router.message.register(mine_command, Command("mine"), private)
    router.message.register(declare_in_group, Command("declare", "declare_for"), ~private)
    router.callback_query.register(unit_chosen, DeclUnit.filter())
    router.callback_query.register(active_pressed, DeclActive.filter())
    router.callback_query.register(proxy_pressed, DeclProxy.filter())
    router.callback_query.register(proxy_new_pressed, DeclProxyNew.filter())
    router.callback_query.register(step_pressed, DeclStep.filter())
    router.callback_query.register(notice_pressed, DeclNotice.filter())
    router.message.register(
        answer_given, DeclarationDialog.filling, private, ~F.text.startswith("/")
    )
    return router
