"""The parts of the case card (texts/cases.py) that give the declaration in full: every
answer (the ID number masked unless the reader must call), the arrival as given, the versions
and the alerts sent about it."""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from domain.declaration_prefill import answers_of
from domain.declaration_steps import ORDER, Step
from domain.declarations import Declaration
from services.cases import Case
from services.declaration_support import mask_address, mask_id_number
from texts.declaration_keyboards import answer_text, field_label, plain_answer
from texts.declarations import category_text
from texts.i18n import Html, Translator
from texts.rendering import local_time

# The answers the card's other lines leave out, in the dialog's order.
ANSWERS: Final = ORDER[ORDER.index(Step.HCODE) :]


def arrival_text(declaration: Declaration) -> str | None:
    """The arrival as the resident gave it: the day alone when they skipped the time (it is
    held as 00:00, which would read as a midnight arrival)."""
    arrival = declaration.arrival
    if arrival is None:
        return None
    return arrival.strftime("%Y-%m-%d %H:%M" if declaration.arrival_timed else "%Y-%m-%d")


def answer_lines(tr: Translator, case: Case) -> list[str]:
    declaration = case.stored.declaration
    answers = answers_of(declaration)

    def line(step: Step, value: str) -> str:
        return tr("declare-summary-line", field=Html(field_label(tr, step, answers)), value=value)

    lines = [line(Step.STATUS, plain_answer(tr, Step.STATUS, declaration.status.value))]
    if declaration.address:
        # Where staff go: in full for those who must, like the phone.
        shown = declaration.address if case.full_phone else mask_address(declaration.address)
        lines.append(line(Step.ADDRESS, shown))
    lines += [
        tr(
            "declare-summary-line",
            field=Html(field_label(tr, step, answers)),
            value=Html(answer_text(tr, step, answers.get(step))),
        )
        for step in ANSWERS
        if step not in _given_as_reasons(case)
    ]
    if declaration.id_number:
        # Like the phone: in full only for those who must call (services.cases.Case).
        number = declaration.id_number if case.full_phone else mask_id_number(declaration.id_number)
        kind = tr(f"declare-opt-idtype-{declaration.id_type.value}") if declaration.id_type else ""
        lines.append(
            tr(
                "declare-summary-line",
                field=tr("declare-f-idno"),
                value=f"{kind} {number}".strip(),
            )
        )
    return lines


def _given_as_reasons(case: Case) -> set[Step]:
    """The answers the card's reason lines already show (a fever, the symptoms, a red or
    yellow code, contacts): not repeated among the answers."""
    reasons = case.reasons
    given = {
        Step.TEMP: reasons.temperature is not None,
        Step.SYMPTOMS: bool(reasons.symptoms),
        Step.HCODE: reasons.health_code is not None,
        Step.ICARD: reasons.itinerary_card is not None,
        Step.CONTACTS: bool(reasons.contacts),
    }
    return {step for step, shown in given.items() if shown}


def version_lines(tr: Translator, case: Case, zone: ZoneInfo) -> list[str]:
    stored = case.stored
    if stored.version <= 1 and not case.earlier:
        return []
    # The current row stands for the versions since the earlier row's (a re-screen's too).
    first = case.earlier[0].version + 1 if case.earlier else 1
    if stored.version > first:
        lines = [tr("case-card-version-rescreened", version=stored.version, first=first)]
    else:
        lines = [tr("case-card-version", version=stored.version)]
    # A re-screen makes a new version of the same row: each earlier row stands for the
    # versions since the one before it (the oldest from the first), newest first.
    older = [e.version for e in case.earlier[1:]] + [0] * bool(case.earlier)
    for earlier, before in zip(case.earlier, older, strict=True):
        at, category = local_time(earlier.submitted_at, zone), category_text(tr, earlier.category)
        if earlier.version > before + 1:
            lines.append(
                tr(
                    "case-card-earlier-rescreened",
                    first=before + 1,
                    last=earlier.version,
                    at=at,
                    category=category,
                )
            )
        else:
            lines.append(tr("case-card-earlier", version=earlier.version, at=at, category=category))
    return lines


def alert_lines(tr: Translator, case: Case, zone: ZoneInfo) -> list[str]:
    if not case.alerts:
        return [tr("case-card-alerts-none")]
    return [tr("case-card-alerts")] + [
        tr(
            f"case-card-alert-{sent.kind}",
            at=local_time(sent.at, zone),
            staff=sent.staff,
            delivered=sent.delivered,
        )
        for sent in case.alerts
    ]
