"""Personal data at rest, end to end: after a declaration (with a fever: an alert carrying the
number goes to the liaison), a check-in, a unit's daily report and a prevention notice whose
question and answer quote a phone number, `python -m bot privacy check` passes on the bot's
database, and reading its tables directly finds no phone, ID number, address or temperature in
clear text."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from domain.notices import Audience, NoticeContent, NoticeRequest
from storage import Repositories
from tests.conftest import TEST_KEYRING
from tests.e2e.live import LiveBot, live_bot
from tests.e2e.test_casework import (
    COUNTY,
    FEVER,
    FEVER_PHONE,
    FEVER_SHOWN,
    LIAISON,
    MID,
    MID_PHONE,
    MID_SHOWN,
    ORG,
    check_in_with_fever,
    declare_as,
    fever_script,
    heard,
    open_residents_group,
)
from tests.e2e.test_declarations import (
    JIANGHAN,
    RISK_CSV,
    START,
    ZH,
    load_risk_list,
    pick,
    returnee,
)

pytestmark = pytest.mark.e2e

ID_NUMBER = "110101199003074514"
QUESTION_PHONE, ANSWER_PHONE = "13712345678", "15912345678"
QUESTION_SHOWN = "137 1234 5678"


async def notice_with_a_question(bot: LiveBot) -> None:
    """王主任's notice to the liaison, who asks back quoting a number; the answer quotes it."""
    request = NoticeRequest(
        author_id=COUNTY,
        content=NoticeContent("请各村落实返乡人员排查"),
        unit_codes=("dongguan",),
        audiences=frozenset({Audience.LIAISONS}),
        ack_by=bot.clock.now() + timedelta(hours=6),
    )
    service = bot.app.dispatcher["notice_service"]
    async with bot.database.transaction() as session:
        await service.create_notice(Repositories(session), request, now=bot.clock.now())
    await bot.settled()
    notice = bot.last(LIAISON)
    await bot.press(LIAISON, notice, ZH("ntc-button-ask"))
    await bot.say(LIAISON, f"返乡人员电话 {QUESTION_PHONE} 打不通，怎么办？")
    await bot.settled()
    question = bot.last(COUNTY)
    assert QUESTION_SHOWN in question["text"] or QUESTION_PHONE in question["text"]
    await bot.press(COUNTY, question, ZH("ntc-button-answer"))
    await bot.say(COUNTY, f"请网格员上门，或改拨 {ANSWER_PHONE}")
    await bot.settled()


async def file_report(bot: LiveBot) -> None:
    await bot.say(LIAISON, "/report")
    for answer in ("1", "0", "0", "1", "1", "1", "0", "无"):
        await bot.say(LIAISON, answer)
    await bot.press(LIAISON, bot.last(LIAISON), ZH("report-button-submit"))


def raw_text(database: Path) -> str:
    """Every value of every table as the file holds it."""
    found = []
    with closing(sqlite3.connect(database)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                found += [str(value) for value in row if value is not None]
    return "\n".join(found)


async def privacy_check(workdir: Path, database: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "BOT_PRIVACY_KEYS": TEST_KEYRING.to_json(),
    }
    env.pop("BOT_CONFIG", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "privacy", "check",
        cwd=workdir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_after_the_flows_nothing_personal_is_stored_in_clear(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await load_risk_list(bot, RISK_CSV)
        seen = len(bot.texts(LIAISON))
        await declare_as(bot, payload, FEVER, fever_script())
        alert = await heard(bot, LIAISON, "周发热", seen)
        assert FEVER_SHOWN in alert["text"]  # the liaison's alert holds the number
        # Home quarantine, with an ID number: a check-in is due.
        script = returnee("陈中", MID_PHONE, JIANGHAN)
        at = next(i for i, (step, _) in enumerate(script) if step == "idtype")
        script[at : at + 1] = [("idtype", pick("resident")), ("idno", ID_NUMBER)]
        await declare_as(bot, payload, MID, script)
        await check_in_with_fever(bot, MID, "陈中")
        await file_report(bot)
        await notice_with_a_question(bot)
    database = tmp_path / "live.db"
    with closing(sqlite3.connect(database)) as db:
        filed = db.execute("SELECT count(*) FROM report_versions").fetchone()[0]
        checkins = db.execute("SELECT count(*) FROM checkins").fetchone()[0]
        answered = db.execute(
            "SELECT count(*) FROM notice_recipients WHERE answer IS NOT NULL"
        ).fetchone()[0]
    assert (filed, checkins, answered) == (1, 1, 1)
    stored = raw_text(database)
    numbers = (FEVER_PHONE, FEVER_SHOWN, MID_PHONE, MID_SHOWN, ID_NUMBER)
    numbers += (QUESTION_PHONE, QUESTION_SHOWN, ANSWER_PHONE)
    for personal in (*numbers, "东关村3组12号", "38.6", "38.2", "36.5"):
        assert personal not in stored, personal
    status, output = await privacy_check(tmp_path, database)
    assert status == 0, output
    assert "privacy check passed" in output

    # The check does find a number left in clear, naming where (never the value).
    with closing(sqlite3.connect(database)) as db:
        db.execute("UPDATE people SET phone = ? WHERE telegram_id = ?", (FEVER_PHONE, FEVER))
        db.commit()
    status, output = await privacy_check(tmp_path, database)
    assert status == 1
    assert "people.phone" in output
    assert FEVER_PHONE not in output
