"""Forged callback data with numbers out of range: the filter does not parse it, so the
fallback answers "button-expired"; nothing reaches the database or the error handler."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery
from pydantic import ValidationError

import handlers
import texts
from tests.handlers.conftest import ZH, Harness
from texts import keyboards as keyboards
from texts.keyboards import MAX_ROW_ID

LIAISON = 2001
OUT_OF_RANGE = (2**64, 2**63, -1, -(2**64))


def callback_classes() -> Iterator[type[CallbackData]]:
    """Every CallbackData class of the bot, wherever it is defined (handlers or texts)."""
    packages = ((handlers.__path__, "handlers."), (texts.__path__, "texts."))
    for path, prefix in packages:
        yield from _defined_in(path, prefix)


def _defined_in(path: Any, prefix: str) -> Iterator[type[CallbackData]]:
    for info in pkgutil.walk_packages(path, prefix):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, CallbackData)
                and value.__module__ == module.__name__
            ):
                yield value


def int_fields(cls: type[CallbackData]) -> list[str]:
    return [name for name, info in cls.model_fields.items() if info.annotation is int]


def sample(cls: type[CallbackData]) -> dict[str, Any]:
    """A value of the right type for every field (valid or not does not matter here)."""
    values: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, Enum):
            values[name] = next(iter(kind))
        else:
            values[name] = {bool: True, int: 1, str: "x"}[kind]  # type: ignore[index]
    return values


FORGED = [
    pytest.param(cls, name, bad, id=f"{cls.__name__}.{name}={bad}")
    for cls in callback_classes()
    for name in int_fields(cls)
    for bad in OUT_OF_RANGE
]


def test_every_int_field_of_callback_data_is_covered() -> None:
    covered = {(cls.__name__, name) for cls in callback_classes() for name in int_fields(cls)}
    assert covered == {
        ("CaseAct", "declaration"),
        ("CasePlace", "declaration"),
        ("CasePlace", "stay"),
        ("CasePlace", "page"),
        ("CaseListPage", "page"),
        ("DeclActive", "id"),
        ("DeclProxy", "id"),
        ("ExcuseObligation", "obligation_id"),
        ("MemberRemove", "assignment"),
        ("ReportStep", "position"),
        ("ZeroConfirm", "base"),
        ("ReminderReport", "obligation_id"),
        ("CheckinStart", "obligation_id"),
        ("CheckinFever", "obligation_id"),
        ("CheckinSymptom", "obligation_id"),
        ("TestRecord", "obligation_id"),
        ("TestConfirm", "obligation_id"),
        ("ResultOpen", "record"),
        ("ResultFix", "record"),
        ("AuditPage", "person"),
        ("AuditPage", "since"),
        ("AuditPage", "until"),
        ("AuditPage", "page"),
        ("CorrectionAct", "request"),
        ("NoticeLedger", "id"),
        ("NoticeLedgerPage", "offset"),
        ("NoticePress", "recipient"),
        ("CardPress", "notice"),
        ("AnswerPress", "recipient"),
    }


def test_ids_up_to_64_bits_still_parse() -> None:
    for id_ in (1, MAX_ROW_ID):
        data = keyboards.ReminderReport(zero=False, obligation_id=id_).pack()
        assert keyboards.ReminderReport.unpack(data).obligation_id == id_


@pytest.mark.parametrize(("cls", "name", "bad"), FORGED)
async def test_a_forged_number_is_a_stale_button(
    harness: Harness, cls: type[CallbackData], name: str, bad: int
) -> None:
    data = cls.model_construct(**{**sample(cls), name: bad}).pack()
    with pytest.raises(ValidationError):  # so the filter does not match
        cls.unpack(data)
    await harness.send(LIAISON, "/report")  # a dialog in progress changes nothing
    assert await harness.press(LIAISON, data) == []
    answer = harness.session.of_type(AnswerCallbackQuery)[-1]
    assert (answer.text, answer.show_alert) == (ZH("button-expired"), True)
    assert ZH("error-generic") not in harness.session.texts(LIAISON)
