"""The compose dialog's pure parts: typed times, the stored draft, the scope it resolves to,
a repeat's firings and the request a finished draft makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain import notice_compose as compose
from domain.notice_compose import Draft, ScopeMode, Step, When
from domain.notice_presses import FORGED, STALE, Act, Choices, press
from domain.notices import Attachment, AttachmentKind, NoticeRequest, Repeat, RepeatKind
from domain.org import OrgTree, Unit, UnitKind

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
TREE = OrgTree(
    {
        u.code: u
        for u in [
            Unit("xian", "示范县", UnitKind.OFFICE),
            Unit("town", "城关镇", UnitKind.TOWNSHIP, "xian"),
            Unit("east", "东关村", UnitKind.VILLAGE, "town"),
            Unit("street", "河西街道", UnitKind.STREET, "xian"),
            Unit("west", "柳林村", UnitKind.VILLAGE, "street"),
        ]
    }
)
ALL = ["xian", "town", "east", "street", "west"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", datetime(2026, 11, 23, 18, 0, tzinfo=ZONE)),
        ("18：05", datetime(2026, 11, 23, 18, 5, tzinfo=ZONE)),
        ("11-24 8:30", datetime(2026, 11, 24, 8, 30, tzinfo=ZONE)),
        ("2026/12/01 07:00", datetime(2026, 12, 1, 7, 0, tzinfo=ZONE)),
        ("25:00", None),
        ("02-30 10:00", None),
        ("明天", None),
    ],
)
def test_moments(text: str, expected: datetime | None) -> None:
    assert compose.parse_moment(text, NOW, ZONE) == expected


def test_times_are_sorted_and_deduplicated() -> None:
    assert compose.parse_times("18:00, 08:00，08:00") == (time(8), time(18))
    assert compose.parse_times("8点") is None


def test_the_draft_round_trips_and_a_tampered_one_is_refused() -> None:
    draft = Draft(
        step=Step.PREVIEW,
        text="正文",
        attachment=Attachment("f", AttachmentKind.DOCUMENT, "a.pdf", 10),
        scope=ScopeMode.UNITS,
        units=("east",),
        audiences=("liaisons", "groups"),
        when=When.WEEKLY,
        weekdays=(0, 4),
        times=(time(8),),
        until=date(2026, 12, 31),
        ack=True,
        ack_time=time(12),
        urgent=True,
    )
    assert compose.from_dict(compose.to_dict(draft)) == draft
    with pytest.raises(ValueError, match="audiences"):
        compose.from_dict({**compose.to_dict(draft), "audiences": ["everyone"]})
    with pytest.raises(ValueError, match="weekdays"):
        compose.from_dict({**compose.to_dict(draft), "weekdays": [9]})


def test_scope_stays_inside_the_allowed_units() -> None:
    town_only = ["town", "east"]
    chosen = replace(Draft(), scope=ScopeMode.UNITS, units=("xian",))
    assert compose.scope_units(TREE, town_only, chosen) == []
    assert compose.scope_units(TREE, ALL, chosen) == ALL
    kinds = replace(Draft(), scope=ScopeMode.KINDS, kinds=("village",))
    assert compose.scope_units(TREE, town_only, kinds) == ["east"]


def test_presses_refuse_stale_and_forged_values() -> None:
    choices = Choices(templates=["masks"], units=["east"], kinds=["village"], openable=["town"])
    draft = replace(Draft(), step=Step.UNITS, scope=ScopeMode.UNITS)
    assert press(draft, Step.TEXT, Act.TEMPLATE, "masks", choices).refusal == STALE
    assert press(draft, Step.UNITS, Act.UNIT, "west", choices).refusal == FORGED
    assert press(draft, Step.UNITS, Act.TEMPLATE, "masks", choices).refusal == FORGED
    assert press(draft, Step.UNITS, Act.UNIT, "east", choices).draft.units == ("east",)


def test_a_weekly_repeat_fires_on_its_days_until_its_end() -> None:
    repeat = Repeat(RepeatKind.WEEKLY, (time(8),), date(2026, 12, 7), (0, 3))  # Mon, Thu
    fired = compose.firings(repeat, NOW, datetime(2026, 12, 31, tzinfo=ZONE), ZONE)
    assert [f.date() for f in fired] == [
        date(2026, 11, 26),
        date(2026, 11, 30),
        date(2026, 12, 3),
        date(2026, 12, 7),
    ]
    assert compose.first_occurrence(repeat, NOW, ZONE) == fired[0]


def test_a_repeat_request_keeps_its_deadline_on_the_day_of_each_firing() -> None:
    draft = Draft(
        step=Step.PREVIEW,
        text="每日提醒",
        scope=ScopeMode.ALL,
        audiences=("liaisons",),
        when=When.DAILY,
        times=(time(20),),
        until=date(2026, 11, 30),
        ack=True,
        ack_time=time(8),  # before the firing: the next morning
    )
    request = compose.build_request(draft, 1001, ["east"], NOW, ZONE)
    assert isinstance(request, NoticeRequest)
    assert request.send_at == datetime(2026, 11, 23, 20, 0, tzinfo=ZONE)
    assert request.ack_by == datetime(2026, 11, 24, 8, 0, tzinfo=ZONE)
    ended = compose.build_request(
        replace(draft, until=date(2026, 11, 22)), 1001, ["east"], NOW, ZONE
    )
    assert not isinstance(ended, NoticeRequest)
    assert ended.refusal == "ncp-repeat-none"
