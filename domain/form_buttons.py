"""The buttons of a form dialog: what each does to the draft, checked against where the draft
is (a button is data from the client, never trusted)."""

from __future__ import annotations

from enum import StrEnum

from domain import forms
from domain.forms import Draft, FieldKind, FormSpec, Outcome, Refusal, Value


class FormAction(StrEnum):
    """What a button of the form dialog does."""

    BACK = "back"
    SKIP = "skip"
    CANCEL = "cancel"
    SUBMIT = "submit"
    EDIT = "edit"  # the summary's button for a field: ask it again
    CHOOSE = "choose"  # one of a question's choices, by its index
    KEEP = "keep"  # a correction: the answer filed before
    RECORDS = "records"  # the count the bot's records hold


ANSWERS = frozenset({FormAction.SKIP, FormAction.CHOOSE, FormAction.KEEP, FormAction.RECORDS})
# The buttons whose answer is a value held by the dialog (never carried by the button).
HELD = frozenset({FormAction.KEEP, FormAction.RECORDS})  # the others only move around


def press(spec: FormSpec, draft: Draft, action: FormAction, key: str) -> Outcome | None:
    """The draft after a back, skip, choose or edit button; None when the button does not
    belong where the draft is (and is refused as stale). Cancel and submit end the dialog:
    the caller's."""
    at_summary = draft.position == len(spec.fields)
    if action is FormAction.BACK:
        return Outcome(forms.back(spec, draft))
    if action is FormAction.SKIP and not at_summary:
        return forms.skip(spec, draft)
    if action is FormAction.CHOOSE and not at_summary:
        item = forms.current(spec, draft)
        choices = item.choices if item is not None else ()
        # ASCII only: "²".isdigit() holds, and int() refuses it.
        index = int(key) if key.isascii() and key.isdigit() else -1
        return forms.choose(spec, draft, choices[index] if 0 <= index < len(choices) else "")
    if action is FormAction.EDIT and at_summary:
        try:
            return Outcome(forms.edit(spec, draft, key))
        except ValueError:  # not a field of the summary
            return None
    return None


def use_value(spec: FormSpec, draft: Draft, value: Value) -> Outcome:
    """Answer the current question with a value held for it (the filed answer, the records'
    count), judged exactly as if it were typed or pressed. ValueError at the summary."""
    item = forms.current(spec, draft)
    if item is None:
        raise ValueError(f"form {spec.name!r}: at the summary, no question is being asked")
    if value is None:
        return forms.skip(spec, draft)
    if item.kind is FieldKind.CHOICE and isinstance(value, str):
        return forms.choose(spec, draft, value)
    if (item.kind is FieldKind.COUNT) != (type(value) is int):
        return Outcome(draft, Refusal("form-invalid"))
    return forms.answer(spec, draft, str(value))
