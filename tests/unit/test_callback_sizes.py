"""Every button that carries a unit (or a row id) fits Telegram's 64 bytes of callback data
with the longest unit code the organisation file allows (40 characters) and the longest other
values."""

from datetime import date

import pytest
from aiogram.filters.callback_data import CallbackData

from domain.declarations import TestResult
from domain.org import GroupPurpose, Role
from texts.audit import AuditPage
from texts.checkin_keyboards import TestConfirm
from texts.keyboards import (
    MAX_ROW_ID,
    AwayPick,
    BindPick,
    InvitePick,
    MemberRemove,
    MembersPick,
    RemoveStep,
    StatusOpen,
    StatusUnit,
)
from texts.mydata import CorrectionAct, CorrectionDecision, MyAction, MyDataAct
from texts.result_keyboards import ResultFix, ResultOpen

LONGEST_CODE = "u" * 40
DAY = "2026-12-31"
MAX_DAY = date.max.toordinal()


@pytest.mark.parametrize(
    "data",
    [
        StatusOpen(unit=LONGEST_CODE, day=DAY),
        StatusUnit(unit=LONGEST_CODE, day=DAY, browse=True),
        *(InvitePick(role=role, unit=LONGEST_CODE, browse=True) for role in Role),
        *(BindPick(purpose=p, unit=LONGEST_CODE, browse=True) for p in GroupPurpose),
        MembersPick(unit=LONGEST_CODE, browse=True),
        AwayPick(unit=LONGEST_CODE, browse=True),
        *(MemberRemove(assignment=MAX_ROW_ID, step=step) for step in RemoveStep),
        TestConfirm(obligation_id=MAX_ROW_ID, back=True),
        ResultOpen(record=MAX_ROW_ID, close=False),
        ResultFix(record=MAX_ROW_ID, was=TestResult.PENDING, to=TestResult.POSITIVE),
        AuditPage(person=MAX_ROW_ID, since=MAX_DAY, until=MAX_DAY, page=99_999),
        *(CorrectionAct(request=MAX_ROW_ID, decision=d) for d in CorrectionDecision),
        *(MyDataAct(action=action) for action in MyAction),
    ],
    ids=repr,
)
def test_the_longest_values_fit(data: CallbackData) -> None:
    assert len(data.pack().encode()) <= 64
