"""The texts of reminders and escalations: scheduler.engine.StepTexts with the bot's catalogs.

Every step's `message` key gets the same values: {unit}, {who} (who owes it), {due} and {kind}.
A message to a group never carries more than what is owed: for kinds about one person's
health (check-ins, tests) a group only hears that something is overdue, never whose or what.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from domain.cases import Owed, owed_of
from domain.escalation import Step, Target
from domain.followup import declaration_of
from domain.obligations import Obligation, ObligationKind
from domain.org import Person
from scheduler.engine import NobodyMessage, Rendered, StepMessage
from texts.case_keyboards import case_markup
from texts.checkin_keyboards import checkin_reminder_markup, test_reminder_markup
from texts.i18n import Html, Translator, catalog
from texts.keyboards import excuse_markup, report_reminder_markup

# Targets whose recipients answer for the unit: they may excuse what they are escalated.
SUPERVISOR_TARGETS = frozenset({Target.SUPERVISOR, Target.SUPERVISOR_UP, Target.OFFICE})
# Obligations whose mere existence says something about a person's health.
PERSONAL_KINDS = frozenset({ObligationKind.HEALTH_CHECKIN, ObligationKind.TEST_DUE})
GROUP_PRIVATE_KEY = "obligation-group-private"


def due_text(moment: datetime) -> str:
    return moment.strftime("%m-%d %H:%M")


def kind_name(tr: Translator, kind: ObligationKind) -> str:
    return tr(f"obligation-kind-{kind.value}")


def target_name(tr: Translator, target: Target) -> str:
    # "supervisor+1" is no valid bare TOML key.
    return tr(f"obligation-target-{target.value.replace('+1', '-up')}")


def _names(tr: Translator, people: Iterable[Person]) -> str:
    return tr("list-separator").join(p.name for p in people)


def _mentions(tr: Translator, message: StepMessage) -> Html:
    known = {p.telegram_id: p.name for p in message.assignees}
    links = []
    for person in message.recipient.mentions:
        name = known.get(person) or tr("obligation-mention-fallback", id=person)
        links.append(f'<a href="tg://user?id={person}">{html.escape(name, quote=False)}</a>')
    return Html(tr("list-separator").join(links))


def _who(tr: Translator, message: StepMessage) -> str:
    if message.recipient.group and message.recipient.mentions:
        return _mentions(tr, message)
    if message.assignees and not message.recipient.group:
        return _names(tr, message.assignees)
    return tr("obligation-who-none")


def _render(tr: Translator, key: str, **values: Any) -> str:
    # A configured key with no text, or whose text wants a value no step has: say what is
    # owed rather than send the bare key or let one text stop the clock.
    if key in catalog(tr.language):
        try:
            return tr(key, **values)
        except (KeyError, IndexError, ValueError):
            pass
    return tr("obligation-fallback", **values)


def purpose_name(tr: Translator, step: Step) -> str:
    """What a step is for, whatever its configured message key."""
    if step.offset < timedelta(0):
        purpose = "remind"
    elif set(step.targets) & SUPERVISOR_TARGETS:
        purpose = "escalate"
    elif Target.UNIT_GROUP in step.targets:
        purpose = "group"
    else:
        purpose = "overdue"
    return tr(f"obligation-purpose-{purpose}")


def _excusable(message: StepMessage) -> bool:
    return (
        message.obligation.id is not None
        and not message.recipient.group
        and message.recipient.target in SUPERVISOR_TARGETS
        and message.step.offset >= timedelta(0)
    )


# Who owes a unit report: their reminders carry "File report" and "Zero report".
FILER_TARGETS = frozenset({Target.ASSIGNEE, Target.DEPUTY})


def _fileable(message: StepMessage) -> bool:
    return (
        message.obligation.id is not None
        and message.obligation.kind is ObligationKind.UNIT_REPORT
        and not message.recipient.group
        and message.recipient.target in FILER_TARGETS
    )


# Who may answer a check-in or test from its reminder: the person who owes it (the resident,
# or a proxy declaration's filer), and the tracker and liaison it escalates to, who may record
# for the resident after phoning them (services.checkins checks the presser again).
ANSWER_TARGETS = frozenset({Target.ASSIGNEE, Target.DEPUTY, Target.LIAISON})


def _answerable(message: StepMessage) -> bool:
    return (
        message.obligation.id is not None
        and message.obligation.kind in PERSONAL_KINDS
        and not message.recipient.group
        and message.recipient.target in ANSWER_TARGETS
        and not _before_its_day(message)
    )


def _before_its_day(message: StepMessage) -> bool:
    """A step sent before the local day it is about (a test's reminder of the day before):
    nothing can be recorded yet (services.result_recording), so it carries no buttons."""
    sent = (message.zone_due + message.step.offset).date()
    try:
        return sent < date.fromisoformat(message.obligation.period)
    except ValueError:  # a period that is no day
        return False


# A step's text for the person who owes a check-in or test themselves: its key plus this
# suffix, when the catalog has it (obligation-checkin-missed-self).
SELF_SUFFIX = "-self"


def _owes_it(message: StepMessage) -> bool:
    ob = message.obligation
    return (
        ob.kind in PERSONAL_KINDS
        and not message.recipient.group
        and message.recipient.target is Target.ASSIGNEE
        and message.recipient.covering_for is None
        and ob.assignee == message.recipient.chat_id
    )


class ObligationTexts:
    """Renders each step in the recipient's language; groups in the default language."""

    def step(self, message: StepMessage) -> Rendered:
        tr = Translator(message.language)
        ob: Obligation = message.obligation
        key = message.step.message
        if message.recipient.group and ob.kind in PERSONAL_KINDS:
            key = GROUP_PRIVATE_KEY
        elif _owes_it(message) and f"{key}{SELF_SUFFIX}" in catalog(tr.language):
            # The one who owes the check-in or test is spoken to, not about (the staff's
            # text of the same step asks the 包保责任人 to follow up).
            key = f"{key}{SELF_SUFFIX}"
        case = (
            ob.kind is ObligationKind.CASE_HANDLING
            and not message.recipient.group
            and declaration_of(ob.subject) is not None
        )
        owed, _ = owed_of(ob.period)
        if case and owed is not Owed.IMMEDIATE and f"{key}-{owed.value}" in catalog(tr.language):
            # What is owed, in a private chat only (a group hears no positive, no fever).
            key = f"{key}-{owed.value}"
        lines = []
        if message.covering_for is not None:
            lines.append(tr("obligation-covering", name=message.covering_for.name))
        lines.append(
            _render(
                tr,
                key,
                unit=message.unit_name,
                who=_who(tr, message),
                due=due_text(message.zone_due),
                kind=kind_name(tr, ob.kind),
            )
        )
        markup = None
        which = _which_case(tr, ob) if case else None
        if which is not None:
            # Which case and what of it, the buttons to see it and record its handling
            # (checked again on press: handlers.cases), and a supervisor's excuse button.
            lines.append(which[0])
            markup = which[1]
            if _excusable(message) and ob.id is not None:
                markup["inline_keyboard"] += excuse_markup(tr, ob.id)["inline_keyboard"]
        elif _excusable(message) and ob.id is not None:
            markup = excuse_markup(tr, ob.id)
        elif _fileable(message) and ob.id is not None:
            # Only an id: the press is checked against the presser's roles (handlers.reports).
            markup = report_reminder_markup(tr, ob.id)
        elif _answerable(message) and ob.id is not None:
            # Only an id, like the report's: handlers.checkin checks the presser again.
            if ob.kind is ObligationKind.HEALTH_CHECKIN:
                markup = checkin_reminder_markup(tr, ob.id)
            else:
                markup = test_reminder_markup(tr, ob.id)
        return Rendered("\n".join(lines), markup)

    def nobody(self, message: NobodyMessage) -> Rendered:
        tr = Translator(message.language)
        ob, step = message.obligation, message.step
        text = tr(
            "obligation-nobody",
            unit=message.unit_name,
            kind=kind_name(tr, ob.kind),
            due=due_text(message.zone_due),
            purpose=purpose_name(tr, step),
            targets=tr("list-separator").join(target_name(tr, t) for t in step.targets),
        )
        # An admin told a case reaches nobody: which case, and its card (in private).
        which = _which_case(tr, ob) if ob.kind is ObligationKind.CASE_HANDLING else None
        if which is None:
            return Rendered(text)
        return Rendered(f"{text}\n{which[0]}", which[1])


def _which_case(tr: Translator, ob: Obligation) -> tuple[str, dict[str, Any]] | None:
    """A case handling's line naming the case and what is owed of it, and the case's buttons;
    None when its subject names no declaration."""
    declaration_id = declaration_of(ob.subject)
    if declaration_id is None:
        return None
    owed, day = owed_of(ob.period)
    which = "obligation-case-which" if owed is Owed.IMMEDIATE else f"obligation-case-{owed}"
    return tr(which, id=declaration_id, day=day or ""), case_markup(tr, declaration_id, phone=False)
