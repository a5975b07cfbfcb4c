"""Returnee declarations (返乡报备) against the emulator, with the whole bot running.

The residents group of 东关村 is bound by the township's supervisor and gets its pinned
"我要报备" button; residents follow its link into a private chat and answer the dialog by
typing and pressing buttons, like on a phone. What each of them is told, who among the staff
hears of it (and in which language), and which follow-up obligations exist afterwards is
checked for a low-risk returnee, a mid-risk one, an overseas arrival, a resident with fever
and a proxy declaration; then wrong answers, back, edit, cancel and a restart mid-dialog; then
a change of the risk-area list that re-classifies an earlier declaration.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.obligations import ObligationKind
from domain.org import Language
from storage import Repositories
from storage.models import DeclarationRow, ObligationRow
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.orgs import (
    CHENGGUAN,
    CHENGGUAN_SUPERVISOR_EN,
    DONGGUAN,
    DONGGUAN_LIAISON,
    XIAN,
    XIAN_SUPERVISOR,
    Member,
    org_toml,
)
from texts.declaration_keyboards import DeclStep
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
_ZH, _EN = Translator(Language.ZH_CN), Translator(Language.EN)


def _plain(text: str) -> str:
    """A catalog text as a chat shows it: the emulator keeps the text, not the markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def ZH(key: str, **values: Any) -> str:
    return _plain(_ZH(key, **values))


def EN(key: str, **values: Any) -> str:
    return _plain(_EN(key, **values))


COUNTY, TOWNSHIP, LIAISON, TRACKER = 1001, 1002, 2001, 2101
LOW, MID, ABROAD, FEVER, OTHER = 3001, 3002, 3003, 3004, 3005
RESIDENTS_GROUP = -1003000000001

ORG = org_toml(
    [XIAN, CHENGGUAN, DONGGUAN],
    [
        XIAN_SUPERVISOR,
        CHENGGUAN_SUPERVISOR_EN,
        DONGGUAN_LIAISON,
        Member(TRACKER, "赵包保", "dongguan", "tracker"),
    ],
)

RISK_CSV = "地区,风险等级,生效日期\n湖北省武汉市江汉区,中,2026-11-10\n"
RISK_CSV_UPDATED = RISK_CSV + "江苏省南京市玄武区,高,2026-11-15\n"


async def open_residents_group(bot: LiveBot) -> str:
    """Staff start the bot; the township binds the residents group; returns the button's
    /start payload."""
    for person, language in ((COUNTY, "zh"), (TOWNSHIP, "en"), (LIAISON, "zh"), (TRACKER, "zh")):
        bot.emu.create_user(f"user{person}", user_id=person, language_code=language)
        await bot.say(person, "/start")
    for person, language in ((LOW, "zh"), (MID, "en"), (ABROAD, "zh"), (FEVER, "zh")):
        bot.emu.create_user(f"user{person}", user_id=person, language_code=language)
    bot.emu.create_user("user3005", user_id=OTHER, language_code="zh")
    group = bot.emu.create_group(
        "东关村居民群",
        chat_id=RESIDENTS_GROUP,
        member_ids=[TOWNSHIP, LOW, MID, ABROAD, FEVER, OTHER],
    )
    bot.emu.add_bot_to_group(group["id"], BOT_ID, "administrator", can_pin_messages=True)
    await bot.say(TOWNSHIP, "/bind dongguan residents", chat=RESIDENTS_GROUP)
    pinned = bot.emu.pinned_message(RESIDENTS_GROUP, bot=BOT_ID)
    assert pinned is not None
    assert pinned["text"] == ZH("declare-post")
    button = pinned["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == ZH("declare-post-button")
    return str(button["url"].split("start=")[1])


async def load_risk_list(bot: LiveBot, text: str) -> list[str]:
    """The office's supervisor sends the list as a CSV file after /risk_load."""
    await bot.say(COUNTY, "/risk_load")
    before = len(bot.texts(COUNTY))
    bot.emu.user_sends_file(
        COUNTY, COUNTY, text.encode(), filename="risk.csv", mime_type="text/csv", bot=BOT_ID
    )
    # The file is downloaded over HTTP while the update is handled: wait for the answer.
    for _ in range(300):
        await bot.settled()
        if len(bot.texts(COUNTY)) > before:
            break
        await asyncio.sleep(0.1)
    await bot.settled()  # what the re-screen queued has gone out too
    return bot.texts(COUNTY)[before:]


def dialog_message(bot: LiveBot, user: int) -> tuple[dict[str, Any], DeclStep]:
    """The user's last message carrying the dialog's buttons, and the step it asks."""
    for message in reversed(bot.emu.bot_messages(user, bot=BOT_ID)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") or ""
                if data.startswith("v1dcl:"):
                    return message, DeclStep.unpack(data)
    raise AssertionError(f"no dialog question in the chat of {user}")


async def answer(bot: LiveBot, user: int, step: str, reply: str | tuple[str, ...]) -> list[str]:
    """Answer the question `step` (which must be the one asked): text is typed; a tuple is a
    button press (action, value)."""
    message, asked = dialog_message(bot, user)
    assert asked.step == step, f"asked {asked.step}, expected {step}"
    before = bot.emu.bot_messages(user, bot=BOT_ID)
    if isinstance(reply, str):
        replies = await bot.say(user, reply)
    else:
        action, value = reply if len(reply) == 2 else (reply[0], "")
        data = DeclStep(step=step, action=action, value=value, dialog=asked.dialog).pack()
        replies = await bot.press_data(user, message, data)
    # An answer is handled after the update is fetched (the first region question also loads
    # the division data): wait until the chat shows the bot's response, a new message or an
    # edited one.
    for _ in range(200):
        if bot.emu.bot_messages(user, bot=BOT_ID) != before:
            break
        await asyncio.sleep(0.05)
    await bot.settled()
    return replies or [m["text"] for m in bot.emu.bot_messages(user, bot=BOT_ID)[len(before) :]]


def pick(value: str) -> tuple[str, str]:
    return ("pick", value)


SKIP = ("skip",)


async def declare(
    bot: LiveBot, user: int, script: Sequence[tuple[str, str | tuple[str, ...]]]
) -> str:
    """Walk the dialog through `script`, confirm the summary and attest; the replies."""
    for step, reply in script:
        await answer(bot, user, step, reply)
    await answer(bot, user, "summary", pick("confirm"))
    replies = await answer(bot, user, "attest", pick("agree"))
    assert replies, "nothing answered the attestation"
    return "\n".join(replies)  # the result, and any reminder already due with it


def returnee(
    name: str,
    phone: str,
    origin: Sequence[tuple[str, str | tuple[str, ...]]],
    *,
    temperature: str = "36.5",
    symptoms: Sequence[str] = (),
    fever_confirmed: bool = False,
) -> list[tuple[str, Any]]:
    ticks: list[tuple[str, Any]] = [("symptoms", pick(s)) for s in symptoms]
    # "No symptoms" with a fever is asked about: confirmed as given.
    confirmed = [("tempok", pick("confirm"))] if fever_confirmed else []
    return [
        ("name", name),
        ("phone", phone),
        ("idtype", SKIP),
        ("address", "东关村3组12号"),
        ("status", pick("returned")),
        *origin,
        ("stays", pick("none")),
        ("transport", pick("train")),
        ("tnum", "G1234"),
        ("arrdate", "昨天"),
        ("arrtime", SKIP),
        ("hcode", pick("green")),
        ("icard", pick("green")),
        ("testdate", SKIP),
        ("vacc", pick("3")),
        *([*ticks, ("symptoms", pick("done"))] if ticks else [("symptoms", pick("none"))]),
        ("temp", temperature),
        *confirmed,
        ("contacts", pick("none")),
        ("companions", SKIP),
    ]


NANJING = [
    ("origin", pick("domestic")),
    ("prov", "南京玄武"),
    ("rmatch", pick("320102")),
    ("street", SKIP),
]
JIANGHAN = [
    ("origin", pick("domestic")),
    ("prov", ("page", "1")),  # 湖北 is on the second page of provinces
    ("prov", pick("420000")),
    ("city", pick("420100")),
    ("dist", pick("420103")),
    ("street", SKIP),
]
OVERSEAS = [
    ("origin", pick("overseas")),
    ("country", "新加坡"),
    ("port", "上海浦东机场"),
    ("entry", "2026-11-20"),
    ("docs", pick("yes")),
]


async def rows(bot: LiveBot) -> list[DeclarationRow]:
    async with bot.database.session() as session:
        return list(await Repositories(session).session.scalars(select(DeclarationRow)))


async def obligations(bot: LiveBot, declaration_id: int) -> list[ObligationRow]:
    async with bot.database.session() as session:
        found = await session.scalars(
            select(ObligationRow).where(ObligationRow.subject == f"declaration:{declaration_id}")
        )
        return list(found)


def _days_to(last: str) -> list[str]:
    """ "11-24" .. `last` as month-day strings (within 2026)."""
    day, end = date(2026, 11, 24), date.fromisoformat(f"2026-{last}")
    out = []
    while day <= end:
        out.append(day.strftime("%m-%d"))
        day += timedelta(days=1)
    return out


def new_texts(bot: LiveBot, chat: int, before: int) -> list[str]:
    return bot.texts(chat)[before:]


async def heard(bot: LiveBot, chat: int, before: int, fragment: str) -> str:
    """The first message to `chat` after the first `before` that contains `fragment`, waiting
    for it: alerts are queued when the answer's transaction commits, just after the reply."""
    for _ in range(200):
        found = [t for t in new_texts(bot, chat, before) if fragment in t]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
        await bot.settled()
    raise AssertionError(f"{chat} never heard {fragment!r}: {new_texts(bot, chat, before)}")


async def test_each_returnee_gets_their_category_and_the_right_people_hear(
    tmp_path: Path,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        loaded = await load_risk_list(bot, RISK_CSV)
        assert loaded
        assert "江汉区" in loaded[-1]
        seen = {p: len(bot.texts(p)) for p in (COUNTY, TOWNSHIP, LIAISON, TRACKER)}

        # A low-risk returnee: registered only; nobody on the staff is disturbed.
        await bot.start_declaring(LOW, payload)
        result = await declare(bot, LOW, returnee("刘小明", "13800138000", NANJING))
        assert ZH("followup-category-registration_only") in result
        assert all(len(bot.texts(p)) == n for p, n in seen.items())
        [low] = await rows(bot)
        assert (low.unit_code, low.resident_id, low.category) == (
            "dongguan",
            LOW,
            "registration_only",
        )
        assert await obligations(bot, low.id) == []

        # A mid-risk returnee (in English): home quarantine; liaison and tracker told at once,
        # with the number in full (they call); check-ins every day and two tests are owed.
        await bot.start_declaring(MID, payload)
        result = await declare(bot, MID, returnee("Chen Mid", "13900139000", JIANGHAN))
        assert EN("followup-category-home_quarantine") in result
        mid = (await rows(bot))[-1]
        assert (mid.category, mid.risk_level) == ("home_quarantine", "mid")
        for staff in (LIAISON, TRACKER):
            alert = await heard(bot, staff, seen[staff], "Chen Mid")
            assert new_texts(bot, staff, seen[staff]) == [alert]
            assert "139 0013 9000" in alert
            assert ZH("followup-category-home_quarantine") in alert
            seen[staff] += 1
        assert len(bot.texts(TOWNSHIP)) == seen[TOWNSHIP]  # no immediate report: not the chain
        owed = await obligations(bot, mid.id)
        # Arrived yesterday: 14 days from then; yesterday's check-in is past, so 13 are owed.
        checkins = sorted(o.period for o in owed if o.kind == ObligationKind.HEALTH_CHECKIN)
        assert checkins == [f"2026-{day}" for day in ("11-23", *_days_to("12-05"))]
        tests = sorted(o.period for o in owed if o.kind == ObligationKind.TEST_DUE)
        assert tests == ["2026-11-23", "2026-12-05"]  # days 1 and 13 after arrival
        assert {o.assignee_person for o in owed} == {MID}

        # An overseas arrival: centralised quarantine.
        await bot.start_declaring(ABROAD, payload)
        result = await declare(bot, ABROAD, returnee("黄海外", "13700137000", OVERSEAS))
        assert ZH("followup-category-centralised_quarantine") in result
        assert (await rows(bot))[-1].category == "centralised_quarantine"
        for staff in (LIAISON, TRACKER):
            await heard(bot, staff, seen[staff], "黄海外")
            seen[staff] = len(bot.texts(staff))

        # Fever: the fever clinic, and an immediate report up the whole chain.
        await bot.start_declaring(FEVER, payload)
        result = await declare(
            bot,
            FEVER,
            returnee("周发热", "13600136000", NANJING, temperature="38.6", symptoms=("fever",)),
        )
        assert ZH("followup-category-fever_clinic_referral") in result
        assert ZH("followup-result-immediate") in result
        fever = (await rows(bot))[-1]
        assert fever.immediate_report
        for staff in (TOWNSHIP, COUNTY, LIAISON, TRACKER):  # the whole chain, at once
            await heard(bot, staff, seen[staff], "周发热")
            seen[staff] = len(bot.texts(staff))

        # A proxy declaration by the liaison for a resident without the messenger: the
        # follow-up is the liaison's to collect.
        replies = await bot.say(LIAISON, "/declare_for")
        assert ZH("notice-ask-proxy") in replies[0]  # the filer tells the person first
        replies = await bot.accept_notice(LIAISON) or []
        assert replies[0] == ZH("declare-intro-proxy", unit="东关村")
        result = await declare(bot, LIAISON, returnee("吴老人", "13500135000", JIANGHAN))
        assert ZH("followup-category-home_quarantine") in result
        proxy = (await rows(bot))[-1]
        assert (proxy.proxy, proxy.resident_id, proxy.filed_by) == (True, None, LIAISON)
        assert {o.assignee_person for o in await obligations(bot, proxy.id)} == {LIAISON}
        await heard(bot, TRACKER, seen[TRACKER], "吴老人")

        # Nothing personal ever went to the group.
        group_texts = " ".join(bot.texts(RESIDENTS_GROUP))
        for private in ("138", "139", "刘小明", "Chen Mid", "周发热", "37", "38.6"):
            assert private not in group_texts


async def test_wrong_answers_back_edit_cancel_and_a_restart(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await bot.start_declaring(OTHER, payload)

        async def refused(step: str, text: str, reason: str, **params: object) -> None:
            [reply] = await answer(bot, OTHER, step, text)
            assert reply.startswith(ZH(reason, **params)), reply
            assert dialog_message(bot, OTHER)[1].step == step  # the same question again

        await refused("name", "<b>" + "长" * 4000 + "</b>", "declare-invalid-name")
        await answer(bot, OTHER, "name", "孙其他")
        await refused("phone", "12345", "answer-phone-invalid")
        await refused("phone", "010 6552 9988", "answer-phone-not-mobile")
        await answer(bot, OTHER, "phone", "138-0013-8000")
        await refused("idtype", "11010519491231002X", "declare-use-buttons")  # type first
        await answer(bot, OTHER, "idtype", pick("resident"))
        await refused("idno", "110101199003074478", "answer-id-checksum")
        await refused("idno", "11010119900307", "answer-id-invalid")
        # Back to the type: the person has a passport.
        await answer(bot, OTHER, "idno", ("back",))
        await answer(bot, OTHER, "idtype", pick("passport"))
        await refused("idno", "E1", "answer-passport-invalid")
        await answer(bot, OTHER, "idno", "e1234 5678")
        await answer(bot, OTHER, "address", "东关村1组")
        await refused("status", "已返回", "declare-use-buttons")
        await answer(bot, OTHER, "status", pick("returned"))
        await answer(bot, OTHER, "origin", pick("domestic"))
        await refused("prov", "火星基地", "declare-region-unknown")
        # Back from the province goes to the origin, and its answer can change.
        await answer(bot, OTHER, "prov", ("back",))
        await answer(bot, OTHER, "origin", pick("domestic"))
        await answer(bot, OTHER, "prov", "北京朝阳")
        await answer(bot, OTHER, "rmatch", pick("110105"))
        await answer(bot, OTHER, "street", SKIP)
        await answer(bot, OTHER, "stays", pick("none"))
        await answer(bot, OTHER, "transport", pick("flight"))
        await refused("tnum", "飞机", "answer-train-invalid")

        # A restart in the middle of the dialog loses nothing.
        await bot.restart()
        await answer(bot, OTHER, "tnum", "CA1234")
        await refused("arrdate", "上个月", "answer-date-invalid")
        await refused(
            "arrdate",
            "2026-11-01",
            "declare-arrdate-range",
            days=14,
            first="2026-11-09",
            last="2026-11-23",
        )
        await refused("arrdate", "2027-01-01", "declare-arrdate-ahead")
        await answer(bot, OTHER, "arrdate", "11月21日")
        await refused("arrtime", "25:61", "answer-time-invalid")
        await answer(bot, OTHER, "arrtime", "下午3点")
        await answer(bot, OTHER, "hcode", pick("green"))
        await answer(bot, OTHER, "icard", pick("green"))
        await refused("testdate", "明年", "answer-date-invalid")
        await answer(bot, OTHER, "testdate", "11/20")
        await answer(bot, OTHER, "testres", pick("negative"))
        await answer(bot, OTHER, "vacc", pick("2"))
        await answer(bot, OTHER, "symptoms", pick("none"))
        await refused("temp", "45", "answer-temperature-range")
        await refused("temp", "很正常", "answer-temperature-invalid")
        # "No symptoms" and a fever: asked about; it was a typo.
        await answer(bot, OTHER, "temp", "38.6")
        await answer(bot, OTHER, "tempok", pick("temp"))
        await answer(bot, OTHER, "temp", "36.6")
        await answer(bot, OTHER, "contacts", pick("none"))
        await answer(bot, OTHER, "companions", "2")
        summary, _ = dialog_message(bot, OTHER)
        assert "CA1234" in summary["text"]
        assert "朝阳区" in summary["text"]
        assert "证件类型：护照" in summary["text"]
        assert "证件号码：E12345678" in summary["text"]

        # Edit before submitting: own car needs no number, and the summary comes back.
        await answer(bot, OTHER, "summary", ("edit", "transport"))
        await answer(bot, OTHER, "transport", pick("own_car"))
        summary, asked = dialog_message(bot, OTHER)
        assert asked.step == "summary"
        assert "CA1234" not in summary["text"]

        # Cancel: nothing is stored, and text afterwards answers no question: the bot says
        # it did not understand, with what the person can do.
        assert await bot.say(OTHER, "/cancel") == [ZH("declare-cancelled")]
        assert await rows(bot) == []
        [lost] = await bot.say(OTHER, "36.6")
        assert lost.startswith(ZH("fallback-not-understood"))
        assert "/declare" in lost


async def test_a_risk_list_update_reclassifies_and_alerts_the_tracker(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)
        await bot.start_declaring(LOW, payload)
        result = await declare(bot, LOW, returnee("刘小明", "13800138000", NANJING))
        assert ZH("followup-category-registration_only") in result
        # A fever and "no symptoms", confirmed: the fever clinic.
        await bot.start_declaring(FEVER, payload)
        feverish = returnee(
            "周发热", "13600136000", NANJING, temperature="38.6", fever_confirmed=True
        )
        result = await declare(bot, FEVER, feverish)
        assert ZH("followup-do-fever_clinic_referral") in result
        tracker_seen = len(bot.texts(TRACKER))
        resident_seen = {person: len(bot.texts(person)) for person in (LOW, FEVER)}

        # 玄武区 becomes high-risk: the earlier declarations are now centralised quarantine.
        report = "\n".join(await load_risk_list(bot, RISK_CSV_UPDATED))
        assert "玄武区" in report
        # The report names the people, their unit and the categories in the reader's language.
        assert "刘小明（东关村，报备第 1 号）：仅登记 → 集中隔离；" in report
        assert "周发热（东关村，报备第 2 号）：发热门诊就诊 → 集中隔离（即有即报）；" in report
        assert "declaration" not in report
        assert "_" not in report
        await bot.settled()
        low, fever = await rows(bot)
        assert (low.category, low.risk_level, low.version) == ("centralised_quarantine", "high", 2)
        assert (fever.category, fever.version) == ("centralised_quarantine", 2)
        alert = await heard(bot, TRACKER, tracker_seen, "刘小明")
        assert ZH("followup-category-centralised_quarantine") in alert
        await heard(bot, LOW, resident_seen[LOW], ZH("followup-category-centralised_quarantine"))
        # The feverish one is still sent to the fever clinic under the new measure.
        await heard(bot, FEVER, resident_seen[FEVER], ZH("followup-result-fever-clinic"))
        assert len(await obligations(bot, low.id)) > 0

        # Loading the same list again changes nothing and tells nobody.
        tracker_seen = len(bot.texts(TRACKER))
        await load_risk_list(bot, RISK_CSV_UPDATED)
        assert new_texts(bot, TRACKER, tracker_seen) == []
        assert [row.version for row in await rows(bot)] == [2, 2]
