"""The rules of notices (domain.notices) and what recipients see (texts.notice_render)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.notices import (
    Attachment,
    AttachmentKind,
    Audience,
    Notice,
    NoticeContent,
    NoticeRecipient,
    NoticeRequest,
    NoticeState,
    RecipientKind,
    RecipientState,
    Refusal,
    Repeat,
    RepeatKind,
    can_acknowledge,
    can_remind,
    can_undo,
    occurrences,
    tally,
    unconfirmed,
)
from domain.obligations import Obligation, ObligationKind, ObligationState, meet, reopen
from domain.org import Language
from texts.i18n import Translator
from texts.notice_keyboards import NoticePress, RecipientAction
from texts.notice_render import render_card, render_notice, render_posting

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)


def recipient(
    rid: int,
    unit: str,
    person: int | None,
    state: RecipientState = RecipientState.SENT,
    kind: RecipientKind = RecipientKind.LIAISON,
    acknowledged_at: datetime | None = None,
) -> NoticeRecipient:
    return NoticeRecipient(rid, 1, kind, unit, person, state, None, acknowledged_at=acknowledged_at)


def notice(**changes: object) -> Notice:
    values: dict[str, object] = {
        "id": 1,
        "author_id": 1001,
        "content": NoticeContent("戴口罩"),
        "unit_codes": ("a", "b"),
        "audiences": frozenset({Audience.LIAISONS}),
        "ack_required": True,
        "ack_by": NOW + timedelta(hours=9),
        "urgent": False,
        "send_at": NOW,
        "created_at": NOW,
    }
    values.update(changes)
    return Notice(**values)  # type: ignore[arg-type]


def test_one_confirmation_per_unit_and_one_per_person() -> None:
    rows = [
        recipient(1, "a", 10, RecipientState.ACKNOWLEDGED),
        recipient(2, "a", 11),  # a second liaison of a: the unit has confirmed
        recipient(3, "b", 12, RecipientState.QUESTION),
        recipient(4, "b", None, RecipientState.UNREACHABLE),
        recipient(5, "a", 20, RecipientState.ACKNOWLEDGED, RecipientKind.MEMBER),
        recipient(6, "b", 21, RecipientState.SENT, RecipientKind.MEMBER),
    ]
    counts = tally(rows, postings=2)
    assert (counts.units_confirmed, counts.units_total) == (1, 2)
    assert (counts.people_confirmed, counts.people_total) == (1, 2)
    assert (counts.confirmed, counts.total, counts.unreachable, counts.postings) == (2, 4, 1, 2)
    assert [r.id for r in unconfirmed(rows)] == [3, 4, 6]


def test_undo_only_within_five_minutes_of_ones_confirmation() -> None:
    acked = recipient(1, "a", 10, RecipientState.ACKNOWLEDGED, acknowledged_at=NOW)
    assert can_undo(acked, NOW + timedelta(minutes=5)) is None
    assert can_undo(acked, NOW + timedelta(minutes=5, seconds=1)) is Refusal.UNDO_EXPIRED
    assert can_undo(recipient(2, "a", 10), NOW) is Refusal.NOT_ACKNOWLEDGED
    assert can_acknowledge(acked, notice()) is Refusal.ALREADY
    assert can_acknowledge(recipient(2, "b", 11), notice(state=NoticeState.CANCELLED)) is (
        Refusal.CANCELLED
    )


def test_re_remind_at_most_every_five_minutes_and_only_with_someone_left() -> None:
    assert can_remind(notice(), 3, NOW) is None
    reminded = notice(last_reminded_at=NOW)
    assert can_remind(reminded, 3, NOW + timedelta(minutes=4, seconds=59)) is (
        Refusal.REMIND_TOO_SOON
    )
    assert can_remind(reminded, 3, NOW + timedelta(minutes=5)) is None
    assert can_remind(notice(), 0, NOW) is Refusal.NOTHING_TO_REMIND
    assert can_remind(notice(ack_required=False, ack_by=None), 3, NOW) is Refusal.NO_ACK


def test_a_request_is_checked_when_made() -> None:
    content = NoticeContent("x")
    with pytest.raises(ValueError, match="unit"):
        NoticeRequest(1, content, (), frozenset({Audience.GROUPS}), ack_required=False)
    with pytest.raises(ValueError, match="audience"):
        NoticeRequest(1, content, ("a",), frozenset(), ack_required=False)
    with pytest.raises(ValueError, match="deadline"):
        NoticeRequest(1, content, ("a",), frozenset({Audience.LIAISONS}))
    with pytest.raises(ValueError, match="aware"):
        NoticeRequest(
            1, content, ("a",), frozenset({Audience.LIAISONS}), ack_by=datetime(2026, 1, 1)
        )


def test_attachments_within_telegrams_limits() -> None:
    assert Attachment("f", AttachmentKind.DOCUMENT, "a.pdf", 50 * 1024 * 1024).too_large() is False
    assert Attachment("f", AttachmentKind.DOCUMENT, "a.pdf", 50 * 1024 * 1024 + 1).too_large()
    assert Attachment("f", AttachmentKind.PHOTO, None, 11 * 1024 * 1024).too_large()


def test_repeats_fire_on_their_days_until_the_end() -> None:
    daily = Repeat(RepeatKind.DAILY, (time(8, 0), time(7, 30)), date(2026, 11, 30))
    assert occurrences(daily, date(2026, 11, 30)) == [time(7, 30), time(8, 0)]
    assert occurrences(daily, date(2026, 12, 1)) == []
    weekly = Repeat(RepeatKind.WEEKLY, (time(9, 0),), date(2026, 12, 31), weekdays=(0,))
    assert occurrences(weekly, date(2026, 11, 23)) == [time(9, 0)]  # a Monday
    assert occurrences(weekly, date(2026, 11, 24)) == []
    with pytest.raises(ValueError, match="weekdays"):
        Repeat(RepeatKind.WEEKLY, (time(9, 0),), date(2026, 12, 31))


def test_an_undone_confirmation_reopens_the_obligation_where_it_stood() -> None:
    ob = Obligation(ObligationKind.NOTICE_ACK, "a", "notice-1", "a", "a", NOW, step_reached=1)
    met = meet(ob, NOW).obligation
    again = reopen(met)
    assert again.changed
    assert again.obligation.state is ObligationState.OPEN
    assert again.obligation.step_reached == 1
    assert again.obligation.closed_at is None
    assert reopen(ob).refusal_key == "obligation-not-met"


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_recipient_sees_the_text_as_typed_with_the_buttons(tr: Translator) -> None:
    rendered = render_notice(
        tr,
        NoticeContent("<b>不是粗体</b> & {unit}"),
        templates={},
        unit_name="东关村",
        author_name="王主任",
        ack_by=datetime(2026, 11, 23, 18, 0, tzinfo=ZONE),
        zone=ZONE,
        recipient_id=5,
        can_forward=True,
    )
    assert "&lt;b&gt;不是粗体&lt;/b&gt; &amp; 东关村" in rendered.text
    assert tr("ntc-ack-by", due="11-23 18:00") in rendered.text
    assert rendered.reply_markup is not None
    rows = rendered.reply_markup["inline_keyboard"]
    assert [b["text"] for row in rows for b in row] == [
        tr("ntc-button-ack"),
        tr("ntc-button-ask"),
        tr("ntc-button-forward"),
    ]
    assert NoticePress.unpack(rows[0][0]["callback_data"]) == NoticePress(
        action=RecipientAction.ACK, recipient=5
    )


def test_a_template_speaks_the_recipients_language() -> None:
    templates = {"masks": {Language.ZH_CN: "{unit}请戴口罩", Language.EN: "{unit}: wear masks"}}
    content = NoticeContent("{unit}请戴口罩", template_key="masks")
    for tr, expected in ((ZH, "东关村请戴口罩"), (EN, "东关村: wear masks")):
        text = render_notice(
            tr,
            content,
            templates=templates,
            unit_name="东关村",
            author_name="王主任",
            ack_by=None,
            zone=ZONE,
            ack_required=False,
        ).text
        assert expected in text


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_card_and_the_group_posting(tr: Translator) -> None:
    counts = tally([recipient(1, "a", 10, RecipientState.ACKNOWLEDGED), recipient(2, "b", 11)])
    card = render_card(
        tr,
        7,
        NoticeContent("戴口罩"),
        counts,
        ack_required=True,
        ack_by=NOW + timedelta(hours=9),
        last_reminded_at=None,
        zone=ZONE,
    )
    assert tr("ntc-card-units", confirmed=1, total=2) in card.text
    posting = render_posting(
        tr,
        NoticeContent("戴口罩"),
        templates={},
        unit_name="东关村",
        confirmed_at=NOW,
        ack_required=True,
        ack_by=None,
        zone=ZONE,
    )
    assert tr("ntc-post-confirmed", unit="东关村", at="11-23 09:00") in posting


@pytest.mark.parametrize("tr", [ZH, EN])
def test_a_card_without_confirmation_asked_shows_no_count(tr: Translator) -> None:
    counts = tally([recipient(1, "a", 10)])
    card = render_card(
        tr,
        7,
        NoticeContent("戴口罩"),
        counts,
        ack_required=False,
        ack_by=None,
        last_reminded_at=None,
        zone=ZONE,
    )
    assert tr("ntc-card-no-ack") in card.text
    assert tr("ntc-card-units", confirmed=0, total=1) not in card.text


def test_the_written_out_callback_data_is_what_pydantic_packs() -> None:
    markup = render_notice(
        ZH,
        NoticeContent("x"),
        templates={},
        unit_name="u",
        author_name="a",
        ack_by=NOW,
        zone=ZONE,
        recipient_id=123456789,
        can_forward=True,
    ).reply_markup
    assert markup is not None
    datas = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    assert datas == [
        NoticePress(action=action, recipient=123456789).pack()
        for action in (RecipientAction.ACK, RecipientAction.ASK, RecipientAction.FORWARD)
    ]
