"""The compose dialog's stored state and its questions.

The draft lives in FSM storage (`NoticeCompose.composing`: the dialog's id and
`notice_compose.to_dict(draft)`), so it survives restarts. At every step the author's rights
are worked out again: the units they may send to are those they supervise (all for an
admin), and someone who lost them meanwhile is told and the dialog ends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup

from bot.context import Context
from domain import notice_compose as compose
from domain.notice_compose import Draft, Outcome, Step
from domain.notice_presses import Choices
from domain.notices import Audience, NoticeRequest, RecipientKind
from domain.org import OrgTree, Unit
from domain.permissions import manageable_units
from handlers.dialogs import StoredDialogError, ask, leave, redraw
from handlers.notice_compose.preview import send_preview
from handlers.unit_picker import browse_view
from services.notices.sending import reached_units
from texts import notice_compose as texts


class NoticeCompose(StatesGroup):
    composing = State()


@dataclass(frozen=True, slots=True)
class Stored:
    dialog: str
    draft: Draft


@dataclass(frozen=True, slots=True)
class Scope:
    """What the author may send to, worked out afresh for each update."""

    tree: OrgTree
    allowed: list[str]  # unit codes, in tree order

    def choices(self, ctx: Context) -> Choices:
        openable = {a.code for code in self.allowed for a in self.tree.ancestors(code)}
        return Choices(
            templates=[t.key for t in ctx.settings.notices.templates],
            units=self.allowed,
            kinds=compose.kinds_in(self.tree, self.allowed),
            openable=openable | set(self.allowed),
        )


async def author_scope(ctx: Context) -> Scope:
    tree = await ctx.repos.org.load_tree()
    return Scope(tree, [unit.code for unit in manageable_units(ctx.actor, tree)])


def new_dialog() -> dict[str, Any]:
    return {"dialog": secrets.token_hex(3), "draft": compose.to_dict(Draft())}


async def load(state: FSMContext) -> Stored:
    data = await state.get_data()
    dialog = data.get("dialog")
    if not isinstance(dialog, str):
        raise StoredDialogError("no dialog id")
    try:
        return Stored(dialog, compose.from_dict(data.get("draft")))
    except (ValueError, TypeError, KeyError) as error:
        raise StoredDialogError(str(error)) from error


async def save(state: FSMContext, stored: Stored, draft: Draft) -> Stored:
    await state.update_data({"draft": compose.to_dict(draft)})
    return Stored(stored.dialog, draft)


async def end(ctx: Context, state: FSMContext, key: str, **params: Any) -> None:
    await leave(ctx, state)
    await ctx.bot.send_message(ctx.actor.telegram_id, ctx.tr(key, **params))


def _question(
    ctx: Context, stored: Stored, scope: Scope, refusal: str | None, params: dict[str, Any]
) -> tuple[str, Any]:
    draft = stored.draft
    zone = ctx.settings.time.zone
    chosen = len(set(draft.units) & set(scope.allowed))
    text = texts.question(ctx.tr, draft, zone, ctx.now(), chosen)
    if refusal is not None:
        text = ctx.tr(refusal, **params) + "\n\n" + text
    level = None
    if draft.step is Step.UNITS:
        level = browse_view(scope.tree, scope.allowed, draft.browsing or None)
    markup = texts.keyboard(
        ctx.tr,
        stored.dialog,
        draft,
        templates=[(t.key, t.title(ctx.tr.language)) for t in ctx.settings.notices.templates],
        kinds=compose.kinds_in(scope.tree, scope.allowed),
        level=level,
        tree=scope.tree,
    )
    return text, markup


async def show(
    ctx: Context,
    state: FSMContext,
    stored: Stored,
    scope: Scope,
    refusal: str | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Ask the draft's step as a new question; at the last step the preview comes first,
    unless the draft no longer makes a notice (a time passed meanwhile): that step is asked
    again."""
    params = params or {}
    if stored.draft.step is Step.PREVIEW:
        built = request_for(ctx, stored.draft, scope)
        if isinstance(built, Outcome):
            stored = await save(state, stored, built.draft)
            refusal, params = built.refusal, dict(built.params)
        else:
            if refusal is None:
                await send_preview(ctx, built, scope.tree.get(await _previewed(ctx, built)))
            text = await _summary(ctx, stored.draft, scope, built)
            if refusal is not None:
                text = ctx.tr(refusal, **params) + "\n\n" + text
            await ask(ctx, state, text, _question(ctx, stored, scope, None, {})[1])
            return
    text, markup = _question(ctx, stored, scope, refusal, params)
    await ask(ctx, state, text, markup)


def request_for(ctx: Context, draft: Draft, scope: Scope) -> NoticeRequest | Outcome:
    codes = compose.scope_units(scope.tree, scope.allowed, draft)
    return compose.build_request(
        draft, ctx.actor.telegram_id, codes, ctx.now(), ctx.settings.time.zone
    )


def _units(scope: Scope, request: NoticeRequest) -> list[Unit]:
    return [scope.tree.get(code) for code in request.unit_codes]


async def _previewed(ctx: Context, request: NoticeRequest) -> str:
    """A unit whose people get it (not the county office, which has no liaison); the
    first unit when nobody would."""
    reached = await reached_units(ctx.repos, request)
    return next(iter(reached), request.unit_codes[0])


async def _summary(ctx: Context, draft: Draft, scope: Scope, request: NoticeRequest) -> str:
    with_liaison = None
    if Audience.LIAISONS in request.audiences:
        reached = await reached_units(ctx.repos, request)
        with_liaison = sum(RecipientKind.LIAISON in kinds for kinds in reached.values())
    units = _units(scope, request)
    return texts.summary(ctx.tr, draft, units, ctx.settings.time.zone, with_liaison)


async def show_in_place(ctx: Context, state: FSMContext, stored: Stored, scope: Scope) -> bool:
    """Redraw a checklist (or the summary, urgent ticked) in place; False when it must be
    asked anew."""
    text, markup = _question(ctx, stored, scope, None, {})
    if stored.draft.step is Step.PREVIEW:
        built = request_for(ctx, stored.draft, scope)
        if isinstance(built, Outcome):
            return False
        text = await _summary(ctx, stored.draft, scope, built)
    return await redraw(ctx, state, text, markup)
