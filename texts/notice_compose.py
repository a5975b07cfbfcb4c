"""The /notice compose dialog's questions, buttons and the summary under its preview.

Every button carries the dialog's id, the step it was asked on, a one-letter action and a
value (domain/notice_presses.py): a press of another dialog or step is refused as stale, a
value no step offers as forged. Unit codes are at most 40 characters, so the data stays
within Telegram's 64 bytes."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, tzinfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.notice_compose import AUDIENCES, Draft, ScopeMode, Step, When
from domain.notice_presses import Act
from domain.org import OrgTree, Unit
from texts.i18n import Translator
from texts.keyboards import MOST_UNIT_BUTTONS, TICKED


class NoticeStep(CallbackData, prefix="v1ncs"):
    dialog: str
    step: Step
    act: Act
    value: str = ""


class Keys:
    """Builds the buttons of one dialog's step."""

    def __init__(self, tr: Translator, dialog: str, step: Step) -> None:
        self.tr, self.dialog, self.step = tr, dialog, step

    def button(self, text: str, act: Act, value: str = "") -> InlineKeyboardButton:
        data = NoticeStep(dialog=self.dialog, step=self.step, act=act, value=value)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    def cancel(self) -> list[InlineKeyboardButton]:
        return [self.button(self.tr("ncp-button-cancel"), Act.CANCEL)]

    def done(self, count: int) -> list[InlineKeyboardButton]:
        return [self.button(self.tr("ncp-button-done", count=count), Act.DONE)]


def ticked(label: str, on: bool) -> str:
    return (TICKED if on else "") + label


def question(tr: Translator, draft: Draft, zone: tzinfo, now: datetime, chosen: int = 0) -> str:
    """The question of the draft's step; `chosen`: units ticked so far (UNITS)."""
    step = draft.step
    if step is Step.ACK_BY:
        key = "ncp-ask-ack-time" if draft.repeats else "ncp-ask-ack-by"
        example = now.astimezone(zone).strftime("%Y-%m-%d") + " 18:00"
        return tr(key, example=example)
    if step is Step.AT:
        return tr("ncp-ask-at", example=now.astimezone(zone).strftime("%Y-%m-%d") + " 18:00")
    if step is Step.UNTIL:
        return tr("ncp-ask-until", example=now.astimezone(zone).strftime("%Y-%m-%d"))
    if step is Step.UNITS:
        return tr("ncp-ask-units", count=chosen)
    return tr(f"ncp-ask-{step.value}")


def keyboard(
    tr: Translator,
    dialog: str,
    draft: Draft,
    *,
    templates: Sequence[tuple[str, str]] = (),  # (key, title in the reader's language)
    kinds: Sequence[str] = (),
    level: tuple[Unit | None, Sequence[Unit], str | None] | None = None,
    tree: OrgTree | None = None,
) -> InlineKeyboardMarkup | None:
    """The step's buttons; None for a typed answer with nothing to press (only /cancel)."""
    keys = Keys(tr, dialog, draft.step)
    step = draft.step
    rows: list[list[InlineKeyboardButton]] = []
    if step is Step.TEXT:
        rows = _pairs([keys.button(title, Act.TEMPLATE, key) for key, title in templates])
    elif step is Step.ATTACH:
        rows = [[keys.button(tr("ncp-button-no-file"), Act.SKIP)]]
    elif step is Step.SCOPE:
        rows = [[keys.button(tr(f"ncp-scope-{m.value}"), Act.SCOPE, m.value)] for m in ScopeMode]
    elif step is Step.UNITS and level is not None and tree is not None:
        rows = _units_rows(keys, draft, level, tree)
    elif step is Step.KINDS:
        buttons = [
            keys.button(ticked(tr(f"ncp-kind-{k}"), k in draft.kinds), Act.KIND, k) for k in kinds
        ]
        rows = [*_pairs(buttons), keys.done(len(draft.kinds))]
    elif step is Step.AUDIENCE:
        rows = [
            [keys.button(ticked(tr(f"ncp-audience-{a}"), a in draft.audiences), Act.AUDIENCE, a)]
            for a in AUDIENCES
        ]
        rows.append(keys.done(len(draft.audiences)))
    elif step is Step.WHEN:
        rows = [[keys.button(tr(f"ncp-when-{w.value}"), Act.WHEN, w.value)] for w in When]
    elif step is Step.WEEKDAYS:
        days = [
            keys.button(ticked(tr(f"ncp-weekday-{d}"), d in draft.weekdays), Act.WEEKDAY, str(d))
            for d in range(7)
        ]
        rows = [days[:4], days[4:], keys.done(len(draft.weekdays))]
    elif step is Step.ACK:
        rows = [
            [keys.button(tr("ncp-ack-yes"), Act.ACK, "1")],
            [keys.button(tr("ncp-ack-no"), Act.ACK, "0")],
        ]
    elif step is Step.PREVIEW:
        send = "ncp-button-send" if draft.when is When.NOW else "ncp-button-schedule"
        urgent = ticked(tr("ncp-button-urgent"), draft.urgent)
        rows = [[keys.button(tr(send), Act.SEND)], [keys.button(urgent, Act.URGENT)]]
    rows.append(keys.cancel())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _units_rows(
    keys: Keys,
    draft: Draft,
    level: tuple[Unit | None, Sequence[Unit], str | None],
    tree: OrgTree,
) -> list[list[InlineKeyboardButton]]:
    """A level of the tree: each unit ticks (with the units below it); one with units below
    has a second button opening its level."""
    here, below, up = level
    tr = keys.tr
    rows = []
    if here is not None:
        label = ticked(tr("ncp-unit-whole", unit=here.name), here.code in draft.units)
        rows.append([keys.button(html.unescape(label), Act.UNIT, here.code)])
    for unit in below[:MOST_UNIT_BUTTONS]:
        row = [keys.button(ticked(unit.name, unit.code in draft.units), Act.UNIT, unit.code)]
        if tree.children(unit.code):
            row.append(keys.button(tr("ncp-unit-open"), Act.OPEN, unit.code))
        rows.append(row)
    if up is not None:
        rows.append([keys.button(tr("unit-up"), Act.OPEN, up)])
    rows.append(keys.done(len(draft.units)))
    return rows


def summary(
    tr: Translator,
    draft: Draft,
    units: Sequence[Unit],
    zone: tzinfo,
    with_liaison: int | None = None,
) -> str:
    """What the author is about to send, under the preview. `with_liaison`: of the units,
    how many have a liaison to tell (liaisons chosen), so the count matches the card's."""

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    names = "、".join(unit.name for unit in units[:5]) + ("…" if len(units) > 5 else "")
    counted = (
        tr("ncp-summary-units", count=len(units), names=names)
        if with_liaison is None
        else tr("ncp-summary-units-liaisons", count=len(units), reached=with_liaison, names=names)
    )
    lines = [
        counted,
        tr(
            "ncp-summary-audience",
            audience="、".join(tr(f"ncp-audience-{a}") for a in draft.audiences),
        ),
    ]
    times = ", ".join(t.strftime("%H:%M") for t in draft.times)
    if draft.when is When.AT and draft.send_at is not None:
        lines.append(tr("ncp-summary-at", at=local(draft.send_at)))
    elif draft.when is When.DAILY and draft.until is not None:
        lines.append(tr("ncp-summary-daily", times=times, until=draft.until.isoformat()))
    elif draft.when is When.WEEKLY and draft.until is not None:
        days = "、".join(tr(f"ncp-weekday-{d}") for d in draft.weekdays)
        lines.append(
            tr("ncp-summary-weekly", days=days, times=times, until=draft.until.isoformat())
        )
    else:
        lines.append(tr("ncp-summary-now"))
    if draft.ack and draft.ack_by is not None:
        lines.append(tr("ncp-summary-ack-by", at=local(draft.ack_by)))
    elif draft.ack and draft.ack_time is not None:
        lines.append(tr("ncp-summary-ack-time", at=draft.ack_time.strftime("%H:%M")))
    else:
        lines.append(tr("ncp-summary-no-ack"))
    lines.append(tr("ncp-summary-urgent" if draft.urgent else "ncp-summary-quiet"))
    return "\n".join([tr("ncp-summary-title"), *lines, "", tr("ncp-ask-prev")])
