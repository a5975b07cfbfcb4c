"""The escalation digest's text and buttons, and its configured window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.escalation import DEFAULT_CHAINS
from domain.obligations import ObligationKind
from domain.org import Language
from scheduler.digests import DigestLine, DigestMessage
from tests.unit.test_engine_config import load, problems
from texts.digests import MAX_BUTTONS, MAX_LINES, EscalationDigestTexts
from texts.i18n import Html, Translator
from texts.keyboards import ExcuseObligation

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
OFFICE_STEP = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[-1]


def lines(*names: str) -> tuple[DigestLine, ...]:
    return tuple(DigestLine(i + 1, name, DUE, OFFICE_STEP) for i, name in enumerate(names))


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
def test_a_digest_names_every_unit_with_an_excuse_button_each(language: Language) -> None:
    tr = Translator(language)
    units = ("东关村", "南街社区", "柳林村", "滨河社区", "<第一中学>")
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, lines(*units), language)
    )
    kind = tr("obligation-kind-unit_report")
    # The office step: the title says so.
    assert rendered.text.startswith(tr("obligation-digest-title-office", count=5, kind=kind))
    assert tr("obligation-digest-line", unit="<第一中学>", due="11-23 17:00") in rendered.text
    assert "&lt;第一中学&gt;" in rendered.text  # unit names are escaped, once
    assert "<第一中学>" not in rendered.text
    assert rendered.reply_markup is not None
    buttons = [b for row in rendered.reply_markup["inline_keyboard"] for b in row]
    # A button is not HTML: the name as it is.
    assert [b["text"] for b in buttons] == [
        tr("obligation-digest-button", unit=Html(u)) for u in units
    ]
    assert "<第一中学>" in buttons[-1]["text"]
    pressed = [ExcuseObligation.unpack(b["callback_data"]).obligation_id for b in buttons]
    assert pressed == [1, 2, 3, 4, 5]


def test_a_name_with_an_ampersand_is_escaped_once_and_shown_plain_on_its_button() -> None:
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, lines("A&B", "南街社区"), Language.EN)
    )
    assert "• A&amp;B (due 11-23 17:00)" in rendered.text
    assert "&amp;amp;" not in rendered.text
    assert rendered.reply_markup is not None
    first = rendered.reply_markup["inline_keyboard"][0][0]["text"]
    assert first == "A&B · Excuse…"


def test_the_office_digest_says_it_is_to_the_office_as_the_single_message_does() -> None:
    office = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, lines("东关村", "南街社区"), Language.ZH_CN)
    )
    assert office.text.startswith("🔺 <b>2 个单位逾期未报日报告（报防控办）：</b>")
    supervisor_step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[-2]
    township = tuple(
        DigestLine(i, n, DUE, supervisor_step) for i, n in ((1, "东关村"), (2, "南街"))
    )
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, township, Language.ZH_CN)
    )
    assert "防控办" not in rendered.text.splitlines()[0]


def test_the_chinese_digest_reads_as_in_the_issue() -> None:
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, lines("东关村", "南街社区"), Language.ZH_CN)
    )
    assert "2 个单位逾期未报日报告" in rendered.text
    assert "• 南街社区（截止 11-23 17:00）" in rendered.text


def test_a_county_of_300_units_fits_in_one_telegram_message() -> None:
    tr = Translator(Language.ZH_CN)
    names = tuple(f"第{i}村民委员会" for i in range(300))
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, lines(*names), Language.ZH_CN)
    )
    assert len(rendered.text) <= 4096
    assert tr("obligation-digest-more", count=300 - MAX_LINES) in rendered.text
    assert rendered.reply_markup is not None
    buttons = [b for row in rendered.reply_markup["inline_keyboard"] for b in row]
    assert len(buttons) == MAX_BUTTONS <= 100


def test_two_steps_of_one_obligation_are_one_line() -> None:
    step = OFFICE_STEP
    twice = (DigestLine(7, "东关村", DUE, step), DigestLine(7, "东关村", DUE, step))
    rendered = EscalationDigestTexts().digest(
        DigestMessage(ObligationKind.UNIT_REPORT, (*twice, *lines("西关村")), Language.EN)
    )
    assert rendered.text.count("东关村") == 1


def test_the_digest_window_defaults_to_five_minutes_and_zero_turns_it_off() -> None:
    assert load("").escalation.digest_window == timedelta(minutes=5)
    assert load('[escalation]\ndigest_window = "0"').escalation.digest_window == timedelta(0)
    assert load('[escalation]\ndigest_window = "15m"').escalation.digest_window == timedelta(
        minutes=15
    )
    assert problems('[escalation]\ndigest_window = "2h"') == [
        "escalation.digest_window: must be between '0' (no digests) and '60m'"
    ]
