"""The declaration dialog's casework defects of issue 15 (6 to 9), and the end of a measure,
end to end (the whole bot against the emulator, on a clock the test moves).

- 计划外出 asks the departure day, the planned return day and the destination (not "where
  from" nor the return transport), opens no monitoring and shows the plan; the planned return
  day at 09:00 asks the resident to declare the return, and a return declared earlier takes
  that reminder back.
- A declaration at 23:48 is told of no test or check-in day already past; a feverish resident
  re-classified by a new risk list is still sent to the fever clinic.
- The re-screen report reaches whoever loaded the list in their language, with the people's
  and units' names and no internal codes, in Chinese and in English.
- "No symptoms" with 38.5 °C is asked about; a foreign national gives a passport number; an
  English speaker sees the provinces in English.
- Staff end a measure early from the case card (reason, confirmation): the resident is told why,
  the follow-up is excused, /cases drops it; a measure ending by date is told to the resident and
  the liaison on the next morning.

Residents declare through the residents group's button and the dialog (the helpers of
test_declarations and test_casework); staff press the buttons the bot sent them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain.obligations import ObligationState
from domain.org import Language
from domain.outbox import OutboxState
from services.declarations.trips import return_due_prefix
from storage.models import OutboxRow
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.e2e.test_casework import (
    FEVER,
    LIAISON,
    LOW,
    MID,
    MID_PHONE,
    ORG,
    TOWNSHIP,
    audit,
    declare_as,
    fever_script,
    heard,
    labels,
    open_residents_group,
)
from tests.e2e.test_declarations import (
    EN,
    JIANGHAN,
    NANJING,
    SKIP,
    START,
    ZH,
    ZONE,
    answer,
    declare,
    dialog_message,
    load_risk_list,
    obligations,
    pick,
    returnee,
    rows,
)
from tests.e2e.test_declarations import _plain as plain
from texts.i18n import catalog

pytestmark = pytest.mark.e2e

ADMIN = 1009  # an admin who writes in English (not in the organisation)
ADMINS = {"admins": {"telegram_ids": [ADMIN]}}
RETURN_DUE = ZH("declare-return-due")


def day_at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(f"2026-{day}").replace(hour=hour, minute=minute, tzinfo=ZONE)


def literal(key: str) -> str:
    """The longest fixed part of a Chinese catalog text (between its placeholders), as a chat
    shows it."""
    parts = re.split(r"\{[^}]*\}", catalog(Language.ZH_CN)[key])
    return plain(max(parts, key=len))


def asked(bot: LiveBot, user: int) -> tuple[str, str]:
    """The step the dialog asks now and its question's text."""
    message, step = dialog_message(bot, user)
    return step.step, str(message["text"])


def leaving_script(name: str, phone: str) -> list[tuple[str, Any]]:
    """Planning to leave on 11-25 for 南京市玄武区, back on 11-30."""
    return [
        ("name", name),
        ("phone", phone),
        ("idtype", SKIP),
        ("address", "东关村3组12号"),
        ("status", pick("planning_leave")),
        ("depart", "2026-11-25"),
        ("planned", "2026-11-30"),
        *NANJING,
        ("stays", pick("none")),
        ("transport", pick("train")),
        ("tnum", "G1234"),
        ("hcode", pick("green")),
        ("icard", pick("green")),
        ("testdate", SKIP),
        ("vacc", pick("3")),
        ("symptoms", pick("none")),
        ("temp", "36.5"),
        ("contacts", pick("none")),
        ("companions", SKIP),
    ]


def _messages(bot: LiveBot, user: int) -> list[dict[str, Any]]:
    return list(bot.emu.bot_messages(user, bot=BOT_ID))


async def return_reminders(bot: LiveBot, user: int) -> list[OutboxRow]:
    """The reminders to declare a return queued for `user`, in the outbox."""
    async with bot.database.session() as session:
        found = await session.scalars(
            select(OutboxRow).where(OutboxRow.dedupe_key.startswith(return_due_prefix(user)))
        )
        return list(found)


def return_due_count(bot: LiveBot, user: int) -> int:
    return sum(1 for text in bot.texts(user) if text == RETURN_DUE)


async def declare_leaving(bot: LiveBot, payload: str, user: int) -> tuple[str, int]:
    """`user` declares a plan to leave, checking the questions it asks; the result and the
    declaration's id."""
    await bot.start_declaring(user, payload)
    questions: dict[str, str] = {}  # each question asked, in order, and its text
    for step, reply in leaving_script("刘外出", "13800138000"):
        now_asked, text = asked(bot, user)
        assert now_asked == step, f"asked {now_asked}, expected {step}"
        questions[step] = text
        await answer(bot, user, step, reply)
    # Asked when they leave, when they come back, and where to; never where from, nor the
    # arrival or the return transport.
    steps = list(questions)
    assert steps.index("depart") < steps.index("planned") < steps.index("origin")
    assert not {"arrdate", "arrtime", "port", "entry"} & set(steps)
    assert questions["origin"] == ZH("declare-q-origin-leave")
    assert questions["prov"].startswith(ZH("declare-q-prov-leave"))
    assert questions["transport"].startswith(ZH("declare-q-transport-leave"))
    assert ZH("declare-q-origin") not in questions.values()
    assert not any(text.startswith(ZH("declare-q-transport")) for text in questions.values())
    summary, _ = dialog_message(bot, user)
    assert ZH("declare-f-depart") + "：2026-11-25" in summary["text"]
    assert ZH("declare-f-planned") + "：2026-11-30" in summary["text"]
    assert ZH("declare-f-origin-leave") in summary["text"]
    result = await declare(bot, user, [])
    return result, (await rows(bot))[-1].id


# --- defect 6: planning to leave ------------------------------------------------------------


async def test_planning_to_leave_asks_the_plan_opens_no_monitoring_and_reminds_on_return(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, "地区,风险等级,生效日期\n江苏省南京市玄武区,中,2026-11-10\n")
        liaison_seen = len(bot.texts(LIAISON))
        result, declaration = await declare_leaving(bot, payload, LOW)

        # The plan shown back: when, where to, when back; advice for a mid-risk destination;
        # no measure, no period, no tests, no check-ins.
        plan = ZH(
            "trip-plan",
            departure="2026-11-25",
            destination="江苏省南京市玄武区",
            returning="2026-11-30",
        )
        assert plan in result
        assert ZH("trip-risk-mid", destination="江苏省南京市玄武区") in result
        assert ZH("trip-do") in result
        for key in ("followup-result-period", "followup-result-tests", "followup-result-checkins"):
            assert literal(key) not in result
        assert await obligations(bot, declaration) == []
        [row] = await rows(bot)
        assert row.answers["status"] == "planning_leave"

        # Nobody is alerted of a plan; no check-in reminder reaches the resident.
        await bot.at(day_at("11-29", 20))
        assert not [t for t in bot.texts(LIAISON)[liaison_seen:] if "刘外出" in t]
        assert not any(ZH("checkin-button-now") in labels(m) for m in _messages(bot, LOW))
        assert return_due_count(bot, LOW) == 0

        # On the planned return day at 09:00: asked to declare the return, once.
        await bot.at(day_at("11-30", 8, 59))
        assert return_due_count(bot, LOW) == 0
        await bot.at(day_at("11-30", 9))
        await heard(bot, LOW, RETURN_DUE)
        await bot.at(day_at("12-01", 9))
        assert return_due_count(bot, LOW) == 1


async def test_a_return_declared_before_the_planned_day_withdraws_its_reminder(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await declare_leaving(bot, payload, LOW)

        [waiting] = await return_reminders(bot, LOW)
        assert waiting.state == OutboxState.PENDING.value

        # Back early, on 11-28: the return is declared (an update of the plan).
        await bot.at(day_at("11-28", 10))
        shown = await bot.say(LOW, "/declare")
        assert shown
        offer = bot.last(LOW)
        await bot.press(LOW, offer, ZH("declare-active-update"))
        await answer(bot, LOW, "summary", ("edit", "status"))  # every answer kept
        await answer(bot, LOW, "status", pick("returned"))
        # Now an arrival is asked (today), and the destination is where they came from.
        await answer(bot, LOW, "arrdate", "今天")
        await answer(bot, LOW, "arrtime", SKIP)
        summary, _ = dialog_message(bot, LOW)
        assert ZH("declare-f-origin") + "：" in summary["text"]
        assert ZH("declare-f-planned") not in summary["text"]
        result = await declare(bot, LOW, [])
        assert ZH("followup-result-title", id=2) in result
        first, second = await rows(bot)
        assert first.superseded_by == second.id
        assert second.answers["status"] == "returned"

        # The reminder is taken back; the planned day passes without it.
        [withdrawn] = await return_reminders(bot, LOW)
        assert withdrawn.state == OutboxState.WITHDRAWN.value
        await bot.at(day_at("11-30", 9))
        await bot.at(day_at("12-01", 9))
        assert return_due_count(bot, LOW) == 0


# --- defect 7: no past dates; the fever clinic after a re-classification -----------------------


async def test_a_late_evening_result_lists_no_day_already_past(tmp_path: Any) -> None:
    late = START.replace(hour=23, minute=48)
    async with live_bot(tmp_path, ORG, late) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, "地区,风险等级,生效日期\n湖北省武汉市江汉区,中,2026-11-10\n")
        result, row = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        assert ZH("followup-category-home_quarantine") in result
        # Arrived yesterday (11-22): tests on days 1 and 13 (11-23, 12-05), check-ins to 12-05.
        # At 23:48 today's test and check-in are past: only what is still ahead is listed,
        # and the day-1 test moves to the next day without a test (it is not dropped).
        dates = ZH("list-separator").join(["2026-11-24", "2026-12-05"])
        assert ZH("followup-result-tests", dates=dates) in result
        assert ZH("followup-result-checkins", first="2026-11-24", last="2026-12-05") in result
        assert "2026-11-23" not in result
        owed = await obligations(bot, row.id)
        assert owed
        assert min(o.period for o in owed) == "2026-11-24"


async def test_a_feverish_resident_reclassified_is_still_sent_to_the_fever_clinic(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        result, row = await declare_as(bot, payload, FEVER, fever_script())
        assert ZH("followup-category-fever_clinic_referral") in result
        seen = len(bot.texts(FEVER))
        # 玄武区, where they came from, becomes high-risk: centralised quarantine now.
        await load_risk_list(bot, "地区,风险等级,生效日期\n江苏省南京市玄武区,高,2026-11-15\n")
        [stored] = await rows(bot)
        assert stored.category == "centralised_quarantine"
        update = await heard(bot, FEVER, ZH("followup-update-title", id=row.id), seen)
        text = update["text"]
        assert ZH("followup-category-centralised_quarantine") in text
        assert ZH("followup-result-fever-clinic") in text


# --- defect 8: the re-screen report in the reader's language ----------------------------------


async def load_as(bot: LiveBot, person: int, text: str) -> list[str]:
    """`person` sends the list as a CSV file after /risk_load; what the bot answered the
    file (the load and the re-screen), once everything it queued has gone out."""
    await bot.say(person, "/risk_load")
    before = len(bot.texts(person))
    bot.emu.user_sends_file(
        person, person, text.encode(), filename="risk.csv", mime_type="text/csv", bot=BOT_ID
    )
    await heard(bot, person, "", before)  # the file is downloaded while the update is handled
    await bot.settled()
    return bot.texts(person)[before:]


def rescreen_line(tr: Any, name: str, declaration: int, previous: str, category: str) -> str:
    """The report's line on one re-classified declaration of 东关村, up to its counts."""
    line = tr(
        "risk-rescreen-reclassified",
        name=name,
        unit="东关村",
        id=declaration,
        previous=tr(f"followup-category-{previous}"),
        category=tr(f"followup-category-{category}"),
        immediate="",
        opened=0,
        excused=0,
    )
    return str(line).split(";")[0].split("；")[0]


def without_codes(report: str) -> None:
    codes = ("dongguan", "registration_only", "fever_clinic_referral", "_quarantine", "->")
    for code in codes:
        assert code not in report, (code, report)
    assert "(unit " not in report


async def test_the_rescreen_report_names_people_in_the_readers_language(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START, ADMINS) as bot:
        payload = await open_residents_group(bot)
        bot.emu.create_user("Grace Admin", user_id=ADMIN, language_code="en")
        await bot.say(ADMIN, "/start")
        _, low = await declare_as(bot, payload, LOW, returnee("刘小明", "13800138000", NANJING))
        _, fever = await declare_as(bot, payload, FEVER, fever_script())
        _, mid = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))

        # The office's supervisor (Chinese) loads a list making 玄武区 high-risk.
        xuanwu = "地区,风险等级,生效日期\n江苏省南京市玄武区,高,2026-11-15\n"
        report = "\n".join(await load_risk_list(bot, xuanwu))
        assert "玄武区" in report
        low_line = rescreen_line(
            ZH, "刘小明", low.id, "registration_only", "centralised_quarantine"
        )
        assert low_line in report
        fever_line = rescreen_line(
            ZH, "周发热", fever.id, "fever_clinic_referral", "centralised_quarantine"
        )
        assert fever_line + ZH("risk-rescreen-immediate") in report
        without_codes(report)
        assert "declaration" not in report

        # The township's supervisor may not load lists; an admin may, and reads English.
        [refused] = await bot.say(TOWNSHIP, "/risk_load")
        assert refused.startswith(EN("risk-load-not-allowed"))
        jianghan = xuanwu + "湖北省武汉市江汉区,中,2026-11-10\n"
        report = "\n".join(await load_as(bot, ADMIN, jianghan))
        mid_line = rescreen_line(EN, "陈中", mid.id, "registration_only", "home_quarantine")
        assert mid_line in report
        without_codes(report)
        assert "刘小明" not in report  # unchanged: not reported again


# --- defect 9: the dialog's questions -----------------------------------------------------------

FOREIGN = 3006


async def test_a_foreign_national_in_english_passport_provinces_and_a_fever_asked_about(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        bot.emu.create_user("John Smith", user_id=FOREIGN, language_code="en")
        await bot.start_declaring(FOREIGN, payload)
        await answer(bot, FOREIGN, "name", "John Smith")
        await answer(bot, FOREIGN, "phone", "13800138000")

        # A passport among the ID types; its number is taken.
        types, _ = dialog_message(bot, FOREIGN)
        assert EN("declare-opt-idtype-passport") in labels(types)
        await answer(bot, FOREIGN, "idtype", pick("passport"))
        assert asked(bot, FOREIGN) == ("idno", EN("declare-q-idno-passport"))
        await answer(bot, FOREIGN, "idno", "E12345678")
        assert asked(bot, FOREIGN)[0] == "address"
        await answer(bot, FOREIGN, "address", "Dongguan village, group 3, no. 12")
        await answer(bot, FOREIGN, "status", pick("returned"))
        await answer(bot, FOREIGN, "origin", pick("domestic"))

        # The provinces, cities and districts in English.
        provinces, _ = dialog_message(bot, FOREIGN)
        assert "Beijing" in labels(provinces)
        assert not any("北京" in label for label in labels(provinces))
        await answer(bot, FOREIGN, "prov", ("page", "1"))
        provinces, _ = dialog_message(bot, FOREIGN)
        assert "Hubei" in labels(provinces)
        await answer(bot, FOREIGN, "prov", pick("420000"))
        cities, _ = dialog_message(bot, FOREIGN)
        assert "Wuhan" in labels(cities)
        await answer(bot, FOREIGN, "city", pick("420100"))
        districts, _ = dialog_message(bot, FOREIGN)
        assert any(label.startswith("Jianghan") for label in labels(districts)), labels(districts)
        await answer(bot, FOREIGN, "dist", pick("420103"))
        for step, reply in (
            ("street", SKIP),
            ("stays", pick("none")),
            ("transport", pick("train")),
            ("tnum", "G1234"),
            ("arrdate", "yesterday"),
            ("arrtime", SKIP),
            ("hcode", pick("green")),
            ("icard", pick("green")),
            ("testdate", SKIP),
            ("vacc", pick("3")),
            ("symptoms", pick("none")),
        ):
            await answer(bot, FOREIGN, step, reply)

        # "No symptoms" and 38.5 °C: asked to confirm before going on.
        await answer(bot, FOREIGN, "temp", "38.5")
        step, text = asked(bot, FOREIGN)
        assert step == "tempok"
        assert text == EN("declare-q-tempok", temperature="38.5 °C")
        confirm, _ = dialog_message(bot, FOREIGN)
        assert labels(confirm)[:3] == [
            EN("declare-opt-tempok-confirm"),
            EN("declare-opt-tempok-temp"),
            EN("declare-opt-tempok-symptoms"),
        ]
        await answer(bot, FOREIGN, "tempok", pick("confirm"))
        assert asked(bot, FOREIGN)[0] == "contacts"
        await answer(bot, FOREIGN, "contacts", pick("none"))
        await answer(bot, FOREIGN, "companions", SKIP)
        summary, _ = dialog_message(bot, FOREIGN)
        assert EN("declare-opt-idtype-passport") in summary["text"]
        assert "E12345678" in summary["text"]
        result = await declare(bot, FOREIGN, [])
        assert EN("followup-category-fever_clinic_referral") in result
        [row] = await rows(bot)
        assert (row.answers["id_type"], row.answers["id_number"]) == ("passport", "E12345678")


# --- ending a measure: early from the case card, and by date ------------------------------------

REASON = "复核：行程未经过中风险区"


async def test_a_liaison_ends_a_measure_early_from_the_case_card(tmp_path: Any) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, "地区,风险等级,生效日期\n湖北省武汉市江汉区,中,2026-11-10\n")
        _, row = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        assert row.category == "home_quarantine"
        assert {o.state for o in await obligations(bot, row.id)} == {ObligationState.OPEN.value}

        # From /cases to the card, and its 🔓 button: the reason is asked, then confirmed.
        await bot.say(LIAISON, "/cases")
        [card] = await bot.press(LIAISON, bot.last(LIAISON), "陈中")
        assert "陈中" in card
        card_message = bot.last(LIAISON)
        assert ZH("case-button-release") in labels(card_message)
        asked_reason = await bot.press(LIAISON, card_message, ZH("case-button-release"))
        assert asked_reason == [ZH("case-release-ask", id=row.id, name="陈中")]
        [confirm] = await bot.say(LIAISON, REASON)
        category = ZH("followup-category-home_quarantine")
        assert confirm == ZH(
            "case-release-confirm", id=row.id, name="陈中", category=category, reason=REASON
        )
        question = bot.last(LIAISON)
        assert labels(question) == [ZH("case-release-yes"), ZH("case-release-no")]
        # Nothing has ended before the confirmation.
        assert {o.state for o in await obligations(bot, row.id)} == {ObligationState.OPEN.value}
        seen = len(bot.texts(MID))
        done = await bot.press(LIAISON, question, ZH("case-release-yes"))
        assert done[-1] == ZH("case-release-done", id=row.id, name="陈中")

        # The resident is told, with the reason; the follow-up is excused; /cases drops it.
        released = ZH(
            "measure-released",
            unit="东关村",
            category=category,
            id=row.id,
            day="2026-11-23",
            reason=REASON,
        )
        told = await heard(bot, MID, released.split("\n")[0], seen)
        assert told["text"] == released
        states = {o.state for o in await obligations(bot, row.id)}
        assert states == {ObligationState.EXCUSED.value}
        [listing] = await bot.say(LIAISON, "/cases")
        assert ZH("cases-empty") in listing
        assert "陈中" not in listing
        assert any(
            action == "case.release" for _, action, _ in await audit(bot, f"declaration {row.id}")
        )
        # Nothing more is asked of the resident: no check-in reminder tomorrow.
        seen = len(bot.texts(MID))
        await bot.at(day_at("11-24", 20))
        assert not any(ZH("checkin-button-now") in labels(m) for m in _messages(bot, MID)[seen:])


async def test_a_measure_ending_by_date_is_told_to_the_resident_and_the_liaison(
    tmp_path: Any,
) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, "地区,风险等级,生效日期\n湖北省武汉市江汉区,中,2026-11-10\n")
        _, row = await declare_as(bot, payload, MID, returnee("陈中", MID_PHONE, JIANGHAN))
        # Arrived 11-22: 14 days of home quarantine, the last on 12-05.
        category = ZH("followup-category-home_quarantine")
        ended = ZH("measure-ended", category=category, id=row.id, day="2026-12-05")
        ended_staff = ZH(
            "measure-ended-staff",
            name="陈中",
            unit="东关村",
            category=category,
            id=row.id,
            day="2026-12-05",
        )
        jobs = ["announce_measure_ends"]
        await bot.at(day_at("12-05", 9), jobs=jobs)
        assert ended not in bot.texts(MID)
        assert ended_staff not in bot.texts(LIAISON)

        await bot.at(day_at("12-06", 9), jobs=jobs)
        assert bot.texts(MID).count(ended) == 1
        assert bot.texts(LIAISON).count(ended_staff) == 1
        # Run again (a second instance, a restart): told once.
        await bot.at(day_at("12-06", 9, 5), jobs=jobs)
        assert bot.texts(MID).count(ended) == 1
        assert bot.texts(LIAISON).count(ended_staff) == 1
