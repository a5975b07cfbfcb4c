"""Casework on declarations, end to end (the whole bot against the emulator, on a clock the
test moves): a liaison works an immediate report (即有即报) from its alert — the reason, the
card with the number, 已联系, 已处置 — all audited; one left unhandled escalates along the
case_handling chain until it is handled; a supervisor sees the number masked and shows it
(audited); an away liaison's deputy hears the declaration and check-in alerts; an update of a
declaration merges its follow-up; `/cases` for a liaison and for a supervisor; and stays typed
as `Wuhan` or `南京南站` are matched to their city, so that a high-risk listing of the city
re-classifies them.

Residents declare through the residents group's button and the dialog, as on a phone (the
helpers of test_declarations); staff press the buttons under what the bot sent them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.cases import handling_key
from domain.obligations import ObligationKind, ObligationState
from domain.org import Language
from storage.models import AuditLogRow, DeclarationRow, ObligationRow
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.e2e.test_declarations import (
    EN,
    JIANGHAN,
    NANJING,
    OVERSEAS,
    RISK_CSV,
    SKIP,
    START,
    ZH,
    answer,
    declare,
    dialog_message,
    load_risk_list,
    pick,
    returnee,
    rows,
)
from tests.e2e.test_declarations import (
    _plain as plain,
)
from tests.orgs import (
    CHENGGUAN,
    CHENGGUAN_SUPERVISOR_EN,
    DONGGUAN,
    DONGGUAN_LIAISON,
    NANJIE,
    XIAN,
    XIAN_SUPERVISOR,
    Member,
    org_toml,
)
from texts.i18n import catalog

pytestmark = pytest.mark.e2e

COUNTY, TOWNSHIP, LIAISON, DEPUTY = 1001, 1002, 2001, 2002
LOW, MID, ABROAD, FEVER, OTHER = 3001, 3002, 3003, 3004, 3005
RESIDENTS_GROUP = -1003000000001
STAFF = (COUNTY, TOWNSHIP, LIAISON, DEPUTY)

ORG = org_toml(
    [XIAN, CHENGGUAN, DONGGUAN, NANJIE],
    [
        XIAN_SUPERVISOR,
        CHENGGUAN_SUPERVISOR_EN,  # writes in English
        DONGGUAN_LIAISON,  # 张联络
        Member(DEPUTY, "陈副联络", "dongguan", "deputy"),
    ],
)

FEVER_PHONE, MID_PHONE = "13600136000", "13900139000"
# How the people who call see the numbers.
FEVER_SHOWN, MID_SHOWN = "136 0013 6000", "139 0013 9000"


# --- acting as people -----------------------------------------------------------------------


async def open_residents_group(bot: LiveBot) -> str:
    """Staff start the bot; the township binds 东关村's residents group; the /start payload of
    its pinned button."""
    # Their Telegram names are the ones the organisation knows them by.
    for person, name in zip(STAFF, ("王主任", "Li Zhen", "张联络", "陈副联络"), strict=True):
        language = "en" if person == TOWNSHIP else "zh"
        bot.emu.create_user(name, user_id=person, language_code=language)
        await bot.say(person, "/start")
    residents = (LOW, MID, ABROAD, FEVER, OTHER)
    for person in residents:
        bot.emu.create_user(f"user{person}", user_id=person, language_code="zh")
    group = bot.emu.create_group(
        "东关村居民群", chat_id=RESIDENTS_GROUP, member_ids=[TOWNSHIP, *residents]
    )
    bot.emu.add_bot_to_group(group["id"], BOT_ID, "administrator", can_pin_messages=True)
    await bot.say(TOWNSHIP, "/bind dongguan residents", chat=RESIDENTS_GROUP)
    pinned = bot.emu.pinned_message(RESIDENTS_GROUP, bot=BOT_ID)
    assert pinned is not None
    return str(pinned["reply_markup"]["inline_keyboard"][0][0]["url"].split("start=")[1])


async def declare_as(
    bot: LiveBot, payload: str, user: int, script: Sequence[tuple[str, Any]]
) -> tuple[str, DeclarationRow]:
    """`user` follows the group's button and declares; the result and the stored row."""
    await bot.start_declaring(user, payload)
    result = await declare(bot, user, script)
    return result, (await rows(bot))[-1]


def fever_script() -> list[tuple[str, Any]]:
    """A returnee from a quiet area with 38.6 °C and a fever: 即有即报."""
    return returnee("周发热", FEVER_PHONE, NANJING, temperature="38.6", symptoms=("fever",))


def message_with(bot: LiveBot, chat: int, fragment: str, after: int = 0) -> dict[str, Any] | None:
    for message in bot.emu.bot_messages(chat, bot=BOT_ID)[after:]:
        if fragment in message["text"]:
            found: dict[str, Any] = message
            return found
    return None


async def heard(bot: LiveBot, chat: int, fragment: str, after: int = 0) -> dict[str, Any]:
    """The first message to `chat` (after the first `after`) containing `fragment`, waiting
    for it: alerts are queued as the answer's transaction commits, just after the reply."""
    for _ in range(200):
        found = message_with(bot, chat, fragment, after)
        if found is not None:
            return found
        await asyncio.sleep(0.05)
        await bot.settled()
    raise AssertionError(f"{chat} never heard {fragment!r}: {bot.texts(chat)[after:]}")


def labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [button["text"] for row in markup["inline_keyboard"] for button in row]


async def press_for_popup(bot: LiveBot, user: int, message: dict[str, Any], label: str) -> str:
    """Press the button labelled `label`; the text of the bot's answer to the press (a popup)."""
    [data] = [
        button["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"] == label
    ]
    query = bot.emu.press_button(
        user, message["chat"]["id"], message["message_id"], data, bot=BOT_ID
    )
    await bot.settled()
    answered = bot.emu.callback_answer(query)
    assert answered is not None
    return str(answered.get("text") or "")


def first_line(key: str, language: Language) -> str:
    """The first line of a catalog text (a title without placeholders) as a chat shows it."""
    return plain(catalog(language)[key].split("\n")[0])


def escalations(bot: LiveBot, chat: int, key: str, language: Language = Language.ZH_CN) -> int:
    line = first_line(key, language)
    return sum(1 for text in bot.texts(chat) if text.split("\n")[0] == line)


async def audit(bot: LiveBot, target: str) -> list[tuple[int | None, str, str | None]]:
    async with bot.database.session() as session:
        found = await session.scalars(
            select(AuditLogRow)
            .where(AuditLogRow.target == target, AuditLogRow.action.startswith("case."))
            .order_by(AuditLogRow.id)
        )
        return [(row.actor_id, row.action, row.detail) for row in found]


async def open_obligations(bot: LiveBot, kind: ObligationKind) -> list[ObligationRow]:
    async with bot.database.session() as session:
        found = await session.scalars(
            select(ObligationRow).where(
                ObligationRow.kind == kind.value,
                ObligationRow.state == ObligationState.OPEN.value,
            )
        )
        return list(found)


async def handling(bot: LiveBot, declaration_id: int) -> ObligationRow:
    key = handling_key(declaration_id)
    async with bot.database.session() as session:
        found = await session.scalar(
            select(ObligationRow).where(
                ObligationRow.kind == key.kind.value,
                ObligationRow.subject == key.subject,
                ObligationRow.period == key.period,
            )
        )
    assert found is not None, "no handling obligation"
    return found


def card_title(declaration_id: int, language: Language = Language.ZH_CN) -> str:
    tr = ZH if language is Language.ZH_CN else EN
    return tr("case-card-title", id=declaration_id, unit="东关村")


async def check_in_with_fever(bot: LiveBot, user: int, name: str) -> None:
    """`user` checks in for today: 38.2 °C, no symptoms."""
    asked = await bot.say(user, "/checkin")
    assert name in asked[-1]
    await bot.say(user, "38.2")
    symptoms = bot.last(user)
    assert ZH("checkin-button-none") in labels(symptoms)
    await bot.press(user, symptoms, ZH("checkin-button-none"))
    # A fever with no symptoms is confirmed first, then answered with the fever-clinic advice.
    check = bot.last(user)
    assert ZH("declare-opt-tempok-confirm") in labels(check)
    await bot.press(user, check, ZH("declare-opt-tempok-confirm"))
    assert ZH("checkin-recorded-alert") in bot.texts(user)[-1]
    assert ZH("followup-result-fever-clinic") in bot.texts(user)[-1]


# --- the tests ------------------------------------------------------------------------------


async def test_a_liaison_works_an_immediate_report_from_its_alert(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        seen = len(bot.texts(LIAISON))
        result, row = await declare_as(bot, payload, FEVER, fever_script())
        assert ZH("followup-result-immediate") in result
        assert row.immediate_report

        # The alert names the reason and carries the number in full (the liaison calls).
        alert = await heard(bot, LIAISON, "周发热", seen)
        text = alert["text"]
        assert ZH("followup-alert-title-immediate", id=row.id) in text
        assert ZH("case-reason-rule", rule=ZH("rule-fever_or_code")) in text
        assert ZH("case-reason-fever", temperature="38.6") in text
        assert ZH("case-reason-symptoms", symptoms=ZH("symptom-fever")) in text
        assert FEVER_SHOWN in text
        assert labels(alert) == [
            ZH("case-button-view"),
            ZH("case-button-called"),
            ZH("case-button-handled"),
        ]

        # The card: who, the number in full, why, and the answers given.
        [card] = await bot.press(LIAISON, alert, ZH("case-button-view"))
        assert card.startswith(card_title(row.id))
        assert FEVER_SHOWN in card
        assert ZH("case-reason-fever", temperature="38.6") in card
        assert ZH("followup-category-fever_clinic_referral") in card
        assert "南京市" in card
        assert "玄武区" in card
        assert "G1234" in card  # how
        assert ZH("case-card-log-empty") in card
        assert ZH("case-button-phone") not in labels(bot.last(LIAISON))

        # 已联系: recorded, said in a popup; 已处置: the note asked for, then recorded.
        called = await press_for_popup(bot, LIAISON, alert, ZH("case-button-called"))
        assert called == ZH("case-called-done", name="周发热")
        asked = await bot.press(LIAISON, alert, ZH("case-button-handled"))
        assert asked == [ZH("case-handled-ask", id=row.id)]
        done = await bot.say(LIAISON, "已送县医院发热门诊")
        assert done == [ZH("case-handled-done", id=row.id)]
        assert (await handling(bot, row.id)).state == ObligationState.MET.value

        # The card now shows what was done, by whom.
        [card] = await bot.press(LIAISON, alert, ZH("case-button-view"))
        assert ZH("case-card-log") in card
        assert "张联络：已联系报备人" in card
        assert "张联络：已处置。已送县医院发热门诊" in card

        assert await audit(bot, f"declaration {row.id}") == [
            (LIAISON, "case.view", None),
            (LIAISON, "case.record", "called"),
            (LIAISON, "case.record", "handled"),
            (LIAISON, "case.view", None),
        ]


async def test_the_case_card_shows_every_answer(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        seen = len(bot.texts(LIAISON))
        await declare_as(bot, payload, FEVER, fever_script())
        alert = await heard(bot, LIAISON, "周发热", seen)
        [card] = await bot.press(LIAISON, alert, ZH("case-button-view"))
        # (The address is not kept on a declaration.) The codes shown and the doses taken:
        assert ZH("declare-f-hcode") in card
        assert ZH("declare-f-icard") in card
        assert ZH("declare-f-vacc") in card


async def test_a_supervisor_sees_the_number_masked_and_shows_it(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        seen = len(bot.texts(TOWNSHIP))
        _, row = await declare_as(bot, payload, FEVER, fever_script())
        # 即有即报 goes up the chain at once: the township head (in English) hears it, masked.
        alert = await heard(bot, TOWNSHIP, "周发热", seen)
        assert FEVER_SHOWN not in alert["text"]
        assert "136****6000" in alert["text"]
        assert EN("case-button-phone") in labels(alert)

        [card] = await bot.press(TOWNSHIP, alert, EN("case-button-view"))
        assert card.startswith(card_title(row.id, Language.EN))
        assert "136****6000" in card
        assert FEVER_SHOWN not in card
        card_message = bot.last(TOWNSHIP)
        assert EN("case-button-phone") in labels(card_message)

        # The full number only for a purpose, which the access log keeps.
        [asked] = await bot.press(TOWNSHIP, card_message, EN("case-button-phone"))
        assert asked == EN("case-phone-ask", id=row.id, name="周发热")
        [shown] = await bot.say(TOWNSHIP, "to arrange a test")
        assert shown == EN("case-phone", id=row.id, phone=FEVER_SHOWN)
        assert await audit(bot, f"declaration {row.id}") == [
            (TOWNSHIP, "case.view", None),
            (TOWNSHIP, "case.unmask", "to arrange a test"),
        ]


async def test_an_unhandled_immediate_report_escalates_until_handled(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        _, row = await declare_as(bot, payload, FEVER, fever_script())
        await bot.settled()
        owed = await handling(bot, row.id)
        # declarations.handle_within_minutes (60 by default) after the declaration.
        due = owed.due_at
        assert due - row.submitted_at == timedelta(minutes=60)
        unhandled, escalate = "obligation-case-unhandled", "obligation-case-escalate"
        up, office = "obligation-case-escalate-up", "obligation-case-escalate-office"

        # Not yet due: nobody is pressed.
        await bot.at(due - timedelta(minutes=1))
        assert escalations(bot, LIAISON, unhandled) == 0
        # At the deadline: the liaison and the deputy, with the case's buttons.
        await bot.at(due + timedelta(seconds=1))
        assert escalations(bot, LIAISON, unhandled) == 1
        assert escalations(bot, DEPUTY, unhandled) == 1
        step = bot.last(LIAISON)
        assert ZH("obligation-case-which", id=row.id) in step["text"]
        assert ZH("case-button-handled") in labels(step)
        assert escalations(bot, TOWNSHIP, escalate, Language.EN) == 0
        # Half an hour on: the next person up, the township's head (in English).
        await bot.at(due + timedelta(minutes=30, seconds=1))
        assert escalations(bot, TOWNSHIP, escalate, Language.EN) == 1
        assert escalations(bot, COUNTY, up) == 0

        # The liaison records it as handled from the step's message: the chain stops.
        assert await bot.press(LIAISON, step, ZH("case-button-handled")) == [
            ZH("case-handled-ask", id=row.id)
        ]
        await bot.say(LIAISON, "已联系，已送发热门诊")
        assert (await handling(bot, row.id)).state == ObligationState.MET_LATE.value
        before = {person: len(bot.texts(person)) for person in STAFF}
        await bot.at(due + timedelta(hours=2, seconds=1))
        await bot.at(due + timedelta(hours=4, seconds=1))
        assert {person: len(bot.texts(person)) for person in STAFF} == before
        assert escalations(bot, COUNTY, up) == escalations(bot, COUNTY, office) == 0


async def test_an_away_liaisons_deputy_hears_the_declaration_and_checkin_alerts(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)  # 江汉区 is mid-risk
        [reply] = await bot.say(LIAISON, "/away 12-01")
        assert reply.startswith(ZH("away-set", days=ZH("away-days-until", until="2026-12-01")))
        assert "陈副联络" in reply
        await heard(bot, DEPUTY, "张联络 外出")
        liaison_seen, deputy_seen = len(bot.texts(LIAISON)), len(bot.texts(DEPUTY))

        # A mid-risk returnee: the alert goes to the deputy, with the number (they call).
        result, row = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        assert ZH("followup-category-home_quarantine") in result
        alert = await heard(bot, DEPUTY, "陈中", deputy_seen)
        assert ZH("followup-alert-title", id=row.id) in alert["text"]
        assert MID_SHOWN in alert["text"]
        assert ZH("case-button-view") in labels(alert)
        covering = ZH("obligation-covering", name="张联络")  # whom they receive it for
        assert covering in alert["text"]
        deputy_seen = len(bot.texts(DEPUTY))

        # The same resident checks in with a fever: the check-in alert reaches the deputy too.
        await check_in_with_fever(bot, MID, "陈中")
        fever = await heard(bot, DEPUTY, "38.2", deputy_seen)
        assert "陈中" in fever["text"]
        assert covering in fever["text"]

        # The away liaison was disturbed by neither.
        assert bot.texts(LIAISON)[liaison_seen:] == []


async def test_a_checkin_fever_alert_carries_the_number_and_the_case_buttons(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)
        await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        seen = len(bot.texts(LIAISON))
        await check_in_with_fever(bot, MID, "陈中")
        fever = await heard(bot, LIAISON, "38.2", seen)
        assert ZH("case-button-view") in labels(fever)
        assert MID_SHOWN in fever["text"]


async def test_an_update_merges_the_follow_up(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)
        _, first = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        assert first.category == "home_quarantine"
        today = START.date().isoformat()
        [checkin] = [
            o
            for o in await open_obligations(bot, ObligationKind.HEALTH_CHECKIN)
            if o.period == today
        ]

        # /declare again: the active declaration, with "update".
        shown = await bot.say(MID, "/declare")
        assert ZH("followup-category-home_quarantine") in shown[-1]
        offer = bot.last(MID)
        assert labels(offer) == [ZH("declare-active-update"), ZH("declare-active-same")]
        await bot.press(MID, offer, ZH("declare-active-update"))
        # Pre-filled: the address (not kept) is asked, then the summary of the earlier answers.
        await bot.say(MID, "东关村3组12号")
        summary, asked = dialog_message(bot, MID)
        assert asked.step == "summary"
        assert "G1234" in summary["text"]
        await answer(bot, MID, "summary", ("edit", "tnum"))
        await answer(bot, MID, "tnum", "G5678")
        await answer(bot, MID, "summary", pick("confirm"))
        result = "\n".join(await answer(bot, MID, "attest", pick("agree")))
        assert ZH("followup-category-home_quarantine") in result

        # One measure: the first version superseded by the second.
        first_now, second = await rows(bot)
        assert first_now.superseded_by == second.id
        assert (second.version, second.superseded_by) == (2, None)
        assert second.answers["transport"]["number"] == "G5678"
        # One check-in a day, not two: today's is the same obligation, carried over or kept.
        open_checkins = await open_obligations(bot, ObligationKind.HEALTH_CHECKIN)
        per_day = Counter(o.period for o in open_checkins)
        assert per_day
        assert set(per_day.values()) == {1}
        [today_checkin] = [o for o in open_checkins if o.period == today]
        assert today_checkin.due_at == checkin.due_at

        # And one reminder of it reaches the resident.
        seen = len(bot.texts(MID))
        await bot.at(today_checkin.due_at - timedelta(hours=2) + timedelta(minutes=1))
        reminders = [
            m
            for m in bot.emu.bot_messages(MID, bot=BOT_ID)[seen:]
            if ZH("checkin-button-now") in labels(m)
        ]
        assert len(reminders) == 1


async def test_cases_for_a_liaison_and_for_a_supervisor(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)
        _, mid = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        _, abroad = await declare_as(
            bot, payload, ABROAD, returnee("黄海外", "13700137000", OVERSEAS)
        )

        # The liaison: their residents under a measure, each a button to the card.
        [listing] = await bot.say(LIAISON, "/cases")
        assert listing.startswith(ZH("cases-title", count=2))
        assert ZH("followup-category-home_quarantine") in listing
        assert ZH("followup-category-centralised_quarantine") in listing
        page = bot.last(LIAISON)
        assert sorted(labels(page)) == sorted(["1. 陈中", "2. 黄海外"]) or sorted(
            labels(page)
        ) == sorted(["1. 黄海外", "2. 陈中"])
        # Searched by name.
        [found] = await bot.say(LIAISON, "/cases 陈")
        assert ZH("cases-search", query="陈") in found
        assert "陈中" in found
        assert "黄海外" not in found
        [card] = await bot.press(LIAISON, bot.last(LIAISON), "陈中")
        assert card.startswith(card_title(mid.id))
        assert MID_SHOWN in card
        [nobody] = await bot.say(LIAISON, "/cases 无此人")
        assert ZH("cases-none-found") in nobody

        # The county's supervisor: counts per sub-unit, then down to the village's list.
        [counts] = await bot.say(COUNTY, "/cases")
        assert counts.startswith(ZH("cases-counts-title-unit", unit="示范县"))
        assert "城关镇：管控 2 人" in counts
        message = bot.last(COUNTY)
        await bot.press(COUNTY, message, "城关镇")
        town = bot.emu.message(COUNTY, message["message_id"], bot=BOT_ID)  # edited in place
        assert town["text"].startswith(ZH("cases-counts-title-unit", unit="城关镇"))
        assert "东关村：管控 2 人" in town["text"]
        assert "南街社区：管控 0 人" in town["text"]
        await bot.press(COUNTY, town, "东关村")
        village = bot.emu.message(COUNTY, message["message_id"], bot=BOT_ID)
        assert village["text"].startswith(ZH("cases-title-unit", unit="东关村", count=2))
        [card] = await bot.press(COUNTY, village, "黄海外")
        assert card.startswith(card_title(abroad.id))
        assert "137****7000" in card  # a supervisor does not call: masked


def stay(code: str) -> list[tuple[str, Any]]:
    """The rest of a stay once its place is typed: the match picked, no dates, stayed."""
    return [("smatch", pick(code)), ("sstart", SKIP), ("send", SKIP), ("stransit", pick("no"))]


BEIJING = [("origin", pick("domestic")), ("prov", "北京朝阳"), ("rmatch", pick("110105"))]
BEIJING_STREET = [*BEIJING, ("street", SKIP)]
WUHAN, NANJING_CITY = "420100", "320100"


async def test_stays_typed_in_pinyin_or_as_a_station_are_matched_and_screened(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)

        async def stayed_in(user: int, name: str, typed: str, city: str, code: str) -> int:
            await bot.start_declaring(user, payload)
            script = returnee(name, "13800138000", BEIJING_STREET)
            at = script.index(("stays", pick("none")))
            for step, reply in script[:at]:
                await answer(bot, user, step, reply)
            # What was typed is matched to its city, offered as a button.
            await answer(bot, user, "stays", pick("add"))
            await answer(bot, user, "splace", typed)
            offered, asked = dialog_message(bot, user)
            assert asked.step == "smatch"
            assert any(city in label for label in labels(offered)), labels(offered)
            for step, reply in stay(code):
                await answer(bot, user, step, reply)
            await answer(bot, user, "stays", pick("done"))
            result = await declare(bot, user, script[at + 1 :])
            assert ZH("followup-category-registration_only") in result
            row = (await rows(bot))[-1]
            assert code in [place["code"] for place in row.places]
            return row.id

        wuhan = await stayed_in(LOW, "刘小明", "Wuhan", "武汉", WUHAN)
        nanjing = await stayed_in(OTHER, "孙其他", "南京南站", "南京", NANJING_CITY)

        # Both cities become high-risk: both stays are re-screened as such.
        csv = "地区,风险等级,生效日期\n湖北省武汉市,高,2026-11-15\n江苏省南京市,高,2026-11-15\n"
        report = "\n".join(await load_risk_list(bot, csv))
        assert "刘小明" in report
        assert "孙其他" in report
        by_id = {row.id: row for row in await rows(bot)}
        for declaration_id in (wuhan, nanjing):
            row = by_id[declaration_id]
            assert (row.category, row.risk_level) == ("centralised_quarantine", "high")


async def test_a_place_nothing_matches_is_flagged_located_and_screened_again(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        # 江汉区 is high-risk already: only the place nobody could match was there.
        await load_risk_list(bot, "地区,风险等级,生效日期\n湖北省武汉市江汉区,高,2026-11-15\n")
        await bot.start_declaring(LOW, payload)
        script = returnee("刘小明", "13800138000", BEIJING_STREET)
        at = script.index(("stays", pick("none")))
        for step, reply in script[:at]:
            await answer(bot, LOW, step, reply)
        await answer(bot, LOW, "stays", pick("add"))
        await answer(bot, LOW, "splace", "老家村口")
        # Nothing matches: picked level by level, or said to be in none of them.
        await answer(bot, LOW, "spick", pick("unlisted"))
        for step, reply in (("sstart", SKIP), ("send", SKIP), ("stransit", pick("no"))):
            await answer(bot, LOW, step, reply)
        await answer(bot, LOW, "stays", pick("done"))
        result = await declare(bot, LOW, script[at + 1 :])
        assert ZH("followup-category-registration_only") in result
        row = (await rows(bot))[-1]

        # The liaison is told, and locates it from the message.
        flag = await heard(bot, LIAISON, plain(ZH("case-place-flag-title", id=row.id)))
        assert "老家村口" in flag["text"]
        await bot.press(LIAISON, flag, plain(ZH("case-place-button", place="老家村口")))
        picker = bot.last(LIAISON)
        assert plain(ZH("case-place-ask", place="老家村口", name="刘小明")) in picker["text"]
        for label in (ZH("declare-button-next"), "湖北省", "武汉市"):
            await bot.press(LIAISON, picker, label)
            picker = bot.last(LIAISON)
        await bot.press(LIAISON, picker, "江汉区")
        # The picker itself now says where it was located, and what the re-screen did.
        [located] = [
            m["text"]
            for m in bot.emu.bot_messages(LIAISON, bot=BOT_ID)
            if m["message_id"] == picker["message_id"]
        ]
        assert (
            plain(ZH("case-place-located", place="老家村口", division="湖北省武汉市江汉区"))
            in located
        )
        quarantine = ZH("followup-category-centralised_quarantine")
        assert quarantine in located

        # Screened again at once: re-classified, and the resident hears of the new measure.
        [stored] = [r for r in await rows(bot) if r.id == row.id]
        assert (stored.category, stored.risk_level) == ("centralised_quarantine", "high")
        told = await heard(bot, LOW, plain(ZH("followup-update-title-located", id=row.id)))
        assert quarantine in told["text"]
        alert = await heard(bot, LIAISON, plain(ZH("followup-alert-title-located", id=row.id)))
        assert "138 0013 8000" in alert["text"]  # the liaison calls: the number in full
        assert (LIAISON, "case.locate", "stay 0") in await audit(bot, f"declaration {row.id}")
