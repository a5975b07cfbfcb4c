"""The texts of reminders and escalations: every chain key, mentions, covering, the button."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.cases import fever_handling, handling_obligation, positive_handling
from domain.escalation import DEFAULT_CHAINS, Event, Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, Person
from domain.recipients import Recipient
from scheduler.engine import NobodyMessage, StepMessage
from scheduler.messages import Rendered
from texts.case_keyboards import CaseAct, CaseAction
from texts.i18n import Translator, catalog
from texts.keyboards import ExcuseObligation, ReminderReport
from texts.obligations import ObligationTexts, kind_name, target_name

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 22, 17, 0, tzinfo=ZONE)
LIAISON = Person(2001, "张<联络>", Language.ZH_CN)
DEPUTY = Person(2002, "赵副手", Language.EN)
STEPS = [
    (kind, index, step)
    for kind, chain in DEFAULT_CHAINS.items()
    for index, step in enumerate(chain.steps)
]
LEFTOVER = re.compile(r"\{[a-z_]+\}")


def obligation(kind: ObligationKind = ObligationKind.UNIT_REPORT) -> Obligation:
    assignee: int | str = "dongguan" if kind is ObligationKind.UNIT_REPORT else 3001
    return Obligation(kind, "dongguan", "2026-11-22", assignee, "dongguan", DUE, id=77)


def message(
    step: Step,
    recipient: Recipient,
    *,
    kind: ObligationKind = ObligationKind.UNIT_REPORT,
    language: Language = Language.ZH_CN,
    covering_for: Person | None = None,
    assignees: tuple[Person, ...] = (LIAISON,),
) -> StepMessage:
    return StepMessage(
        obligation(kind),
        step,
        Event(0, 0, DUE + step.offset),
        recipient,
        language,
        "东关村",
        assignees,
        covering_for,
        DUE,
    )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("kind", "index", "step"), STEPS, ids=[s.message for _, _, s in STEPS])
def test_every_default_chain_key_renders_completely(
    kind: ObligationKind, index: int, step: Step, language: Language
) -> None:
    assert step.message in catalog(language)
    for target in step.targets:
        group = target is Target.UNIT_GROUP
        recipient = Recipient(-1001, target, group=True, mentions=(2001,)) if group else None
        rendered = ObligationTexts().step(
            message(step, recipient or Recipient(2001, target), kind=kind, language=language)
        )
        assert not LEFTOVER.search(rendered.text), rendered.text
        assert "11-22 17:00" in rendered.text
        if kind is ObligationKind.UNIT_REPORT:
            assert "东关村" in rendered.text


def test_the_language_decides_the_text() -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[2]
    zh = ObligationTexts().step(message(step, Recipient(2001, Target.ASSIGNEE))).text
    en = (
        ObligationTexts()
        .step(message(step, Recipient(2001, Target.ASSIGNEE), language=Language.EN))
        .text
    )
    assert zh.startswith("⚠️ <b>日报告已逾期</b>")
    assert en.startswith("⚠️ <b>Daily report overdue</b>")
    assert "张&lt;联络&gt;" in zh  # names are escaped


def test_group_mentions_are_escaped_links() -> None:
    step = DEFAULT_CHAINS[ObligationKind.NOTICE_ACK].steps[2]
    assert step.targets == (Target.UNIT_GROUP,)
    recipient = Recipient(-1001, Target.UNIT_GROUP, group=True, mentions=(2001, 2002))
    text = (
        ObligationTexts()
        .step(message(step, recipient, kind=ObligationKind.NOTICE_ACK, assignees=(LIAISON,)))
        .text
    )
    assert '<a href="tg://user?id=2001">张&lt;联络&gt;</a>' in text
    # A mentioned cover whose name the engine did not load still gets a working mention.
    assert (
        '<a href="tg://user?id=2002">'
        + Translator(Language.ZH_CN)("obligation-mention-fallback", id=2002)
        in text
    )
    assert "<联络>" not in text


def test_a_group_never_hears_whose_health_task_is_overdue() -> None:
    # Not in the default chains, but a configured chain could send a check-in to a group.
    step = Step(timedelta(hours=1), (Target.UNIT_GROUP,), "obligation-checkin-missed")
    resident = Person(3001, "胡军", Language.ZH_CN)
    recipient = Recipient(-1001, Target.UNIT_GROUP, group=True, mentions=(3001,))
    text = (
        ObligationTexts()
        .step(message(step, recipient, kind=ObligationKind.HEALTH_CHECKIN, assignees=(resident,)))
        .text
    )
    assert "胡军" not in text
    assert "3001" not in text
    assert text == Translator(Language.ZH_CN)(
        "obligation-group-private", unit="东关村", due="11-22 17:00"
    )


def test_a_cover_is_told_why_they_receive_it() -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[0]
    rendered = ObligationTexts().step(
        message(
            step,
            Recipient(2002, Target.ASSIGNEE, covering_for=2001),
            language=Language.EN,
            covering_for=LIAISON,
        )
    )
    first, *rest = rendered.text.splitlines()
    assert first == Translator(Language.EN)("obligation-covering", name=LIAISON.name)
    assert "张&lt;联络&gt;" in first
    assert rest


@pytest.mark.parametrize(
    ("index", "target", "button"),
    [
        (0, Target.ASSIGNEE, False),  # a reminder to the liaison
        (2, Target.DEPUTY, False),
        (3, Target.SUPERVISOR, True),
        (4, Target.OFFICE, True),
    ],
)
def test_only_supervisors_get_the_excuse_button(index: int, target: Target, button: bool) -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[index]
    rendered = ObligationTexts().step(message(step, Recipient(1001, target)))
    if not button:
        assert rendered.reply_markup is not None
        pressed = [
            b["callback_data"] for row in rendered.reply_markup["inline_keyboard"] for b in row
        ]
        assert not any(data.startswith("v1exc") for data in pressed)
        return
    assert rendered.reply_markup is not None
    [[only]] = rendered.reply_markup["inline_keyboard"]
    assert only["text"] == Translator(Language.ZH_CN)("obligation-excuse-button")
    assert ExcuseObligation.unpack(only["callback_data"]).obligation_id == 77
    assert len(only["callback_data"].encode()) <= 64


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(
    ("index", "target"),
    [(0, Target.ASSIGNEE), (1, Target.ASSIGNEE), (2, Target.ASSIGNEE), (2, Target.DEPUTY)],
)
def test_report_reminders_to_the_liaison_and_deputy_carry_file_and_zero_buttons(
    index: int, target: Target, language: Language
) -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[index]
    rendered = ObligationTexts().step(message(step, Recipient(2001, target), language=language))
    assert rendered.reply_markup is not None
    [[file, zero]] = rendered.reply_markup["inline_keyboard"]
    tr = Translator(language)
    assert (file["text"], zero["text"]) == (tr("report-button-file"), tr("report-button-zero"))
    assert ReminderReport.unpack(file["callback_data"]) == ReminderReport(
        zero=False, obligation_id=77
    )
    assert ReminderReport.unpack(zero["callback_data"]) == ReminderReport(
        zero=True, obligation_id=77
    )


def test_no_report_buttons_in_groups_or_for_other_kinds() -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[2]
    group = Recipient(-1001, Target.UNIT_GROUP, group=True, mentions=(2001,))
    assert ObligationTexts().step(message(step, group)).reply_markup is None
    checkin = DEFAULT_CHAINS[ObligationKind.HEALTH_CHECKIN].steps[0]
    rendered = ObligationTexts().step(
        message(checkin, Recipient(3001, Target.ASSIGNEE), kind=ObligationKind.HEALTH_CHECKIN)
    )
    # A check-in reminder carries its own "Check in now" button (handlers.checkin), not the
    # report's.
    assert rendered.reply_markup is not None
    [[button]] = rendered.reply_markup["inline_keyboard"]
    assert button["callback_data"].startswith("v1chk:")


def test_supervisor_plus_one_gets_the_button_too() -> None:
    step = DEFAULT_CHAINS[ObligationKind.TEST_DUE].steps[5]
    assert step.targets == (Target.SUPERVISOR_UP,)
    rendered = ObligationTexts().step(
        message(step, Recipient(1001, Target.SUPERVISOR_UP), kind=ObligationKind.TEST_DUE)
    )
    assert rendered.reply_markup is not None


def test_a_configured_key_without_text_still_says_what_is_owed() -> None:
    step = Step(timedelta(0), (Target.ASSIGNEE,), "obligation-made-up")
    text = ObligationTexts().step(message(step, Recipient(2001, Target.ASSIGNEE))).text
    assert text == Translator(Language.ZH_CN)(
        "obligation-fallback", unit="东关村", kind="日报告", due="11-22 17:00"
    )


@pytest.mark.parametrize("language", list(Language))
def test_nobody_alert_names_unit_purpose_and_deadline(language: Language) -> None:
    step = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT].steps[3]
    rendered = ObligationTexts().nobody(NobodyMessage(obligation(), step, "东关村", language, DUE))
    tr = Translator(language)
    assert "东关村" in rendered.text
    assert "11-22 17:00" in rendered.text
    assert tr("obligation-purpose-escalate") in rendered.text
    assert target_name(tr, Target.SUPERVISOR) in rendered.text
    assert not LEFTOVER.search(rendered.text)


@pytest.mark.parametrize("language", list(Language))
def test_nobody_alert_of_a_case_names_it_and_opens_it(language: Language) -> None:
    step = DEFAULT_CHAINS[ObligationKind.CASE_HANDLING].steps[0]
    owed = replace(fever_handling(12, "dongguan", DUE.date(), DUE), id=5)
    rendered = ObligationTexts().nobody(NobodyMessage(owed, step, "东关村", language, DUE))
    tr = Translator(language)
    assert tr("obligation-case-fever", id=12, day="2026-11-22") in rendered.text
    assert rendered.reply_markup is not None
    view = CaseAct(declaration=12, action=CaseAction.VIEW).pack()
    data = [b["callback_data"] for row in rendered.reply_markup["inline_keyboard"] for b in row]
    assert view in data


def test_every_kind_and_target_has_a_name() -> None:
    for language in Language:
        tr = Translator(language)
        texts = catalog(language)
        for kind in ObligationKind:
            assert kind_name(tr, kind) in texts.values()
        for target in Target:
            assert target_name(tr, target) in texts.values()


def test_refusal_keys_of_the_domain_exist() -> None:
    for key in ("obligation-closed", "obligation-excuse-needs-reason", "obligation-not-due-yet"):
        assert key in catalog(Language.ZH_CN)


@pytest.mark.parametrize("language", list(Language))
def test_a_positive_results_handling_says_which_test(language: Language) -> None:
    tr = Translator(language)
    step = DEFAULT_CHAINS[ObligationKind.CASE_HANDLING].steps[0]
    owed = positive_handling(12, "dongguan", DUE.date(), DUE)
    immediate = handling_obligation(12, "dongguan", DUE)
    for ob, line in (
        (owed, tr("obligation-case-positive", id=12, day="2026-11-22")),
        (immediate, tr("obligation-case-which", id=12)),
    ):
        sent = StepMessage(
            ob,
            step,
            Event(0, 0, DUE),
            Recipient(2001, Target.ASSIGNEE),
            language,
            "东关村",
            (LIAISON,),
            None,
            DUE,
        )
        rendered = ObligationTexts().step(sent)
        assert line in rendered.text
        assert rendered.reply_markup is not None  # the case's buttons, to record it handled


def _case_step(ob: Obligation, index: int, target: Target, language: Language) -> StepMessage:
    step = DEFAULT_CHAINS[ObligationKind.CASE_HANDLING].steps[index]
    return StepMessage(
        ob, step, Event(index, 0, DUE), Recipient(1001, target), language, "东关村", (LIAISON,),
        None, DUE,
    )  # fmt: skip


def _buttons(rendered: Rendered) -> list[str]:
    assert rendered.reply_markup is not None
    return [b["callback_data"] for row in rendered.reply_markup["inline_keyboard"] for b in row]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("index", [1, 2, 3])
def test_a_supervisor_escalated_a_case_hears_which_and_may_view_or_excuse_it(
    language: Language, index: int
) -> None:
    """Up the chain: which declaration and what is owed of it, 查看报备 (and the other case
    buttons), and the excuse button the supervisors get for every escalation."""
    tr = Translator(language)
    target = DEFAULT_CHAINS[ObligationKind.CASE_HANDLING].steps[index].targets[0]
    key = DEFAULT_CHAINS[ObligationKind.CASE_HANDLING].steps[index].message
    cases = (
        (replace(handling_obligation(12, "dongguan", DUE), id=5), key, "obligation-case-which"),
        (
            replace(positive_handling(12, "dongguan", DUE.date(), DUE), id=5),
            f"{key}-positive",
            "obligation-case-positive",
        ),
        (
            replace(fever_handling(12, "dongguan", DUE.date(), DUE), id=5),
            f"{key}-fever",
            "obligation-case-fever",
        ),
    )
    for ob, title, which in cases:
        rendered = ObligationTexts().step(_case_step(ob, index, target, language))
        values = {"unit": "东关村", "who": LIAISON.name, "due": "11-22 17:00"}
        assert rendered.text.startswith(tr(title, **values, kind=""))
        assert tr(which, id=12, day="2026-11-22") in rendered.text
        pressed = _buttons(rendered)
        assert CaseAct(declaration=12, action=CaseAction.VIEW).pack() in pressed
        assert CaseAct(declaration=12, action=CaseAction.HANDLED).pack() in pressed
        assert ExcuseObligation(obligation_id=5).pack() in pressed


def test_the_liaison_gets_the_case_buttons_without_the_excuse() -> None:
    ob = replace(fever_handling(12, "dongguan", DUE.date(), DUE), id=5)
    rendered = ObligationTexts().step(_case_step(ob, 0, Target.ASSIGNEE, Language.ZH_CN))
    assert rendered.text.startswith("🚨 <b>打卡异常尚未处置</b>")
    pressed = _buttons(rendered)
    assert CaseAct(declaration=12, action=CaseAction.VIEW).pack() in pressed
    assert ExcuseObligation(obligation_id=5).pack() not in pressed


def test_a_test_reminder_of_the_day_before_has_no_result_buttons() -> None:
    day_before, on_the_day = DEFAULT_CHAINS[ObligationKind.TEST_DUE].steps[:2]  # -24h, -2h
    assert day_before.offset == timedelta(hours=-24)
    resident = Recipient(3001, Target.ASSIGNEE)
    early = ObligationTexts().step(message(day_before, resident, kind=ObligationKind.TEST_DUE))
    assert early.reply_markup is None
    late = ObligationTexts().step(message(on_the_day, resident, kind=ObligationKind.TEST_DUE))
    assert late.reply_markup is not None
