"""/risk and /risk_load through the real dispatcher and database, the file download included."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, GetFile, TelegramMethod
from aiogram.types import Chat, Document, File, Message, Update, User

from bot.wiring import followup_config
from domain.declarations import RiskLevel
from domain.risk_areas import RiskArea, fingerprint, pack_areas
from domain.risk_csv import MAX_FILE_BYTES, parse_csv
from handlers.risk import ASKED_FOR, PENDING, RiskUpload
from services import risk
from storage import Repositories
from tests.handlers.conftest import ADMIN_ID, BOT_ID, EN, ZH, Harness, not_understood
from texts.risk_keyboards import RiskConfirm

ZONE = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
OFFICE_SUPERVISOR, TOWNSHIP_SUPERVISOR, LIAISON, RESIDENT = 1001, 1002, 2001, 3001
GOOD = (
    "\ufeff地区,风险等级,生效日期,截止日期\n"
    "北京市朝阳区,高,2026-11-20,\n"
    "420100,中风险,2026-11-01,2026-11-30\n"
    "110108,mid,2026-12-01,\n"
)


class Files:
    """Stands in for Telegram's file storage: getFile answers, downloads stream the bytes."""

    def __init__(self, harness: Harness) -> None:
        self.content: dict[str, bytes] = {}
        session = harness.session
        record = session.make_request

        async def make_request(
            bot: Bot,
            method: TelegramMethod[Any],
            timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
        ) -> Any:
            if isinstance(method, GetFile):
                session.requests.append(method)
                if GetFile in session.fail_on:
                    raise session.fail_on[GetFile]
                return File(
                    file_id=method.file_id,
                    file_unique_id=method.file_id,
                    file_path=f"documents/{method.file_id}",
                )
            return await record(bot, method, timeout)

        async def stream_content(url: str, **_: Any) -> AsyncGenerator[bytes, None]:
            yield self.content[url.rsplit("/", 1)[-1]]

        session.make_request = make_request  # type: ignore[method-assign]
        session.stream_content = stream_content  # type: ignore[method-assign,assignment]

    def add(self, name: str, data: bytes) -> str:
        file_id = f"f{len(self.content)}"
        self.content[file_id] = data
        return file_id


@pytest.fixture
def files(harness: Harness) -> Files:
    harness.clock.set(MORNING)
    return Files(harness)


async def send_file(
    harness: Harness,
    files: Files,
    user_id: int,
    data: bytes,
    *,
    name: str = "list.csv",
    language: str = "zh-hans",
    size: int | None = None,
) -> list[str]:
    file_id = files.add(name, data)
    size = len(data) if size is None else size
    before = len(harness.session.requests)
    message = Message(
        message_id=900 + len(files.content),
        date=datetime.now(ZONE),
        chat=Chat(id=user_id, type="private", first_name="用户"),
        from_user=User(id=user_id, is_bot=False, first_name="用户", language_code=language),
        document=Document(file_id=file_id, file_unique_id=file_id, file_name=name, file_size=size),
    )
    await harness.feed(Update(update_id=800 + len(files.content), message=message))
    return [getattr(r, "text", "") for r in harness.session.requests[before:] if hasattr(r, "text")]


async def stored(harness: Harness) -> list[RiskArea]:
    async def read(repos: Repositories) -> list[RiskArea]:
        return await repos.risk_areas.all()

    result: list[RiskArea] = await harness.repos(read)
    return result


async def test_an_admin_loads_a_list_and_everyone_sees_it(harness: Harness, files: Files) -> None:
    (ask,) = await harness.send(ADMIN_ID, "/risk_load")
    assert ask == ZH("risk-load-ask")
    replies = await send_file(harness, files, ADMIN_ID, GOOD.encode())
    text = "\n".join(replies)
    assert "名单已更新：现有 3 条（新增 3，解除 0，变更 0，未变 0）。" in text
    assert "新增 北京市朝阳区（110105）高风险，2026-11-20 起" in text
    assert "重新筛查：回溯期内报备 0 份" in text
    assert [(a.region_code, a.level) for a in await stored(harness)] == [
        ("110105", RiskLevel.HIGH),
        ("110108", RiskLevel.MID),
        ("420100", RiskLevel.MID),
    ]
    assert any(isinstance(r, GetFile) for r in harness.session.requests)

    # The dialog is over: another file is not taken as a list.
    assert not_understood(
        await send_file(harness, files, ADMIN_ID, b"region,level,effective_from\n"),
        key="fallback-not-text",
    )

    # A resident sees the list (it is public), without the loading hint.
    (shown,) = await harness.send(RESIDENT, "/risk")
    assert shown.startswith("<b>中高风险地区</b>（2026-11-23）：高风险 1 个，中风险 1 个")
    assert "<b>高风险地区</b>\n· 北京市朝阳区（110105），2026-11-20 起" in shown
    assert "<b>中风险地区</b>\n· 湖北省武汉市（420100），2026-11-01 至 2026-11-30" in shown
    assert "<b>将要生效</b>\n· 中风险：北京市海淀区（110108），2026-12-01 起" in shown
    assert "/risk_load" not in shown
    (shown,) = await harness.send(OFFICE_SUPERVISOR, "/risk")
    assert shown.endswith(ZH("risk-load-hint"))
    (shown,) = await harness.send(TOWNSHIP_SUPERVISOR, "/risk", language="en")
    assert shown.startswith("<b>High/mid-risk areas</b> (2026-11-23): 1 high-risk, 1 mid-risk")
    assert EN("risk-load-hint") not in shown


async def test_an_empty_list_says_so(harness: Harness, files: Files) -> None:
    (shown,) = await harness.send(LIAISON, "/risk")
    assert shown == ZH("risk-none", day=date(2026, 11, 23))


async def test_the_office_supervisor_may_load(harness: Harness, files: Files) -> None:
    await harness.send(OFFICE_SUPERVISOR, "/risk_load")
    replies = await send_file(harness, files, OFFICE_SUPERVISOR, GOOD.encode())
    assert any("名单已更新：现有 3 条" in reply for reply in replies)

    async def stamp(repos: Repositories) -> int | None:
        loaded = await repos.risk_areas.loaded()
        return None if loaded is None else loaded.by

    assert await harness.repos(stamp) == OFFICE_SUPERVISOR


@pytest.mark.parametrize("user", [RESIDENT, LIAISON, TOWNSHIP_SUPERVISOR])
async def test_others_are_refused_and_it_is_audited(
    harness: Harness, files: Files, user: int
) -> None:
    (reply,) = await harness.send(user, "/risk_load")
    assert reply in {ZH("risk-load-not-allowed"), EN("risk-load-not-allowed")}
    # A file sent anyway is not taken for a list.
    replies = await send_file(harness, files, user, GOOD.encode())
    assert not_understood(replies, ZH, "fallback-not-text") or not_understood(
        replies, EN, "fallback-not-text"
    )
    assert await stored(harness) == []

    async def audit(repos: Repositories) -> list[tuple[int | None, str, bool]]:
        return [(e.actor_id, e.action, e.allowed) for e in await repos.audit.recent()]

    assert (user, "risk.load", False) in await harness.repos(audit)


async def test_a_bad_file_gets_every_problem_with_its_line_and_may_be_sent_again(
    harness: Harness, files: Files
) -> None:
    await harness.send(ADMIN_ID, "/risk_load")
    bad = "region,level,effective_from\n朝阳区,high,2026-11-01\n110105,低,2026-11-01\n<b>,mid,x\n"
    (reply,) = await send_file(harness, files, ADMIN_ID, bad.encode())
    assert reply.startswith("名单<b>未加载</b>，共发现 4 处问题")
    assert (
        "第 2 行：“朝阳区”不能唯一确定一个地区，"
        "可能是：北京市朝阳区 110105; 吉林省长春市朝阳区 220104" in reply
    )
    assert "第 3 行：低风险地区不必列出" in reply
    assert "第 4 行：找不到名为“&lt;b&gt;”的地区。" in reply
    assert "第 4 行：日期“x”（effective_from）无效" in reply
    assert await stored(harness) == []

    (reply,) = await send_file(harness, files, ADMIN_ID, "地区".encode("gbk"))
    assert reply.endswith("文件：" + ZH("risk-csv-not-utf8"))
    (reply,) = await send_file(harness, files, ADMIN_ID, b"PK\x03\x04", name="list.xlsx")
    assert reply == ZH("risk-load-not-csv")
    (reply,) = await harness.send(ADMIN_ID, "110105,high,2026-11-01")
    assert reply == ZH("risk-load-send-file")
    (reply,) = await send_file(harness, files, ADMIN_ID, b"", size=MAX_FILE_BYTES + 1)
    assert reply.endswith("文件：文件太大（上限 512 KB）。")
    harness.session.fail_on[GetFile] = TelegramNetworkError(GetFile(file_id="x"), "timeout")
    (reply,) = await send_file(harness, files, ADMIN_ID, GOOD.encode())
    assert reply == ZH("risk-load-download-failed")
    del harness.session.fail_on[GetFile]

    replies = await send_file(harness, files, ADMIN_ID, GOOD.encode())
    assert any("名单已更新" in reply for reply in replies)
    assert len(await stored(harness)) == 3


async def test_cancel_ends_the_upload(harness: Harness, files: Files) -> None:
    await harness.send(ADMIN_ID, "/risk_load")
    assert await harness.send(ADMIN_ID, "/cancel") == [ZH("cancel-done")]
    assert not_understood(
        await send_file(harness, files, ADMIN_ID, GOOD.encode()), key="fallback-not-text"
    )
    assert await stored(harness) == []


async def test_a_long_list_is_split_into_several_messages(harness: Harness, files: Files) -> None:
    rows = "".join(
        f"{code},mid,2026-11-01,\n"
        for code in ("110101", "110102", "110105", "110106", "110107", "110108", "110109")
    )
    districts = "".join(
        f"{region.code},high,2026-11-01,\n"
        for province in ("420000", "430000", "440000", "410000")
        for city in __import__("domain.regions", fromlist=["children"]).children(province)
        for region in __import__("domain.regions", fromlist=["children"]).children(city.code)
    )
    await harness.send(ADMIN_ID, "/risk_load")
    await send_file(
        harness, files, ADMIN_ID, ("region,level,effective_from\n" + rows + districts).encode()
    )
    shown = await harness.send(RESIDENT, "/risk")
    assert len(shown) > 1
    assert all(len(part) <= 4096 for part in shown)
    assert sum(part.count("\n· ") for part in shown) + sum(
        part.startswith("· ") for part in shown
    ) == len(await stored(harness))


# --- A list that lifts most areas is asked about first ---------------------------------------

HEADER_ONLY = b"region,level,effective_from\n"
KEEPS_ONE = "region,level,effective_from\n110105,high,2026-11-20\n"  # lifts 2 of GOOD's 3
KEEPS_TWO = KEEPS_ONE + "420100,mid,2026-11-01\n420103,mid,2026-11-01\n"  # lifts 1 of 3
REPLACE, CANCEL = ZH("risk-confirm-button"), ZH("risk-confirm-cancel-button")


async def listed_good(harness: Harness, files: Files) -> list[RiskArea]:
    await harness.send(ADMIN_ID, "/risk_load")
    await send_file(harness, files, ADMIN_ID, GOOD.encode())
    await harness.send(ADMIN_ID, "/risk_load")
    return await stored(harness)


async def audited(harness: Harness) -> list[tuple[int | None, bool, str | None]]:
    async def read(repos: Repositories) -> list[tuple[int | None, bool, str | None]]:
        entries = await repos.audit.recent()
        return [(e.actor_id, e.allowed, e.detail) for e in entries if e.action == "risk.load"]

    result: list[tuple[int | None, bool, str | None]] = await harness.repos(read)
    return result


def last_answer(harness: Harness) -> AnswerCallbackQuery:
    answer: AnswerCallbackQuery = harness.session.of_type(AnswerCallbackQuery)[-1]
    return answer


async def test_a_header_only_file_asks_first_and_cancel_changes_nothing(
    harness: Harness, files: Files
) -> None:
    before = await listed_good(harness, files)
    log = await audited(harness)
    (question,) = await send_file(harness, files, ADMIN_ID, HEADER_ONLY)
    assert question == ZH("risk-confirm-empty", listed=3) + "\n" + ZH("risk-confirm-ask")
    assert "将解除目前在列的全部 3 个地区" in question
    assert [b.text for b in harness.last_keyboard().inline_keyboard[0]] == [REPLACE, CANCEL]
    cancel = harness.button(CANCEL)
    assert cancel.startswith("v1riskc:0:")
    assert len(harness.button(REPLACE).encode()) <= 64
    assert await stored(harness) == before
    assert await audited(harness) == log  # nothing was loaded, nothing was refused
    assert await harness.send(ADMIN_ID, "确定") == [ZH("risk-confirm-pending")]

    assert await harness.press(ADMIN_ID, cancel) == [ZH("risk-confirm-cancelled")]
    assert harness.session.of_type(EditMessageReplyMarkup)[-1].reply_markup is None
    assert await stored(harness) == before
    assert await audited(harness) == log
    # The dialog is over: the buttons and another file do nothing.
    assert await harness.press(ADMIN_ID, cancel) == []
    assert (last_answer(harness).text, last_answer(harness).show_alert) == (
        ZH("button-expired"),
        True,
    )
    assert not_understood(
        await send_file(harness, files, ADMIN_ID, HEADER_ONLY), key="fallback-not-text"
    )


async def test_confirming_loads_the_pending_list_even_after_a_restart(
    harness: Harness, files: Files
) -> None:
    await listed_good(harness, files)
    (question,) = await send_file(harness, files, ADMIN_ID, KEEPS_ONE.encode())
    assert question.startswith("这份名单将解除目前在列的 3 个地区中的 <b>2 个</b>。")
    replace = harness.button(REPLACE)
    assert len(await stored(harness)) == 3
    harness.restart()

    replies = await harness.press(ADMIN_ID, replace)
    text = "\n".join(replies)
    assert "名单已更新：现有 1 条（新增 0，解除 2，变更 0，未变 1）。" in text
    assert "重新筛查：回溯期内报备 0 份" in text
    assert [a.region_code for a in await stored(harness)] == ["110105"]
    assert last_answer(harness).show_alert is not True
    assert harness.session.of_type(EditMessageReplyMarkup)[-1].reply_markup is None
    actor, allowed, detail = (await audited(harness))[0]
    assert (actor, allowed) == (ADMIN_ID, True)
    assert detail is not None
    assert detail.endswith("; confirmed: lifts 2 of 3")
    # A second press (a double tap) loads nothing again.
    assert await harness.press(ADMIN_ID, replace) == []
    assert last_answer(harness).text == ZH("button-expired")


async def test_a_confirmation_asked_before_another_load_is_asked_again(
    harness: Harness, files: Files
) -> None:
    await listed_good(harness, files)
    (question,) = await send_file(harness, files, ADMIN_ID, HEADER_ONLY)
    assert question.startswith(ZH("risk-confirm-empty", listed=3))
    replace = harness.button(REPLACE)
    # Meanwhile another administrator's list (one area) is loaded from the command line.
    areas = parse_csv(KEEPS_ONE).areas

    async def load_one(repos: Repositories) -> None:
        config = followup_config(harness.settings)
        await risk.load(repos, config, areas, by=None, now=harness.clock.now(), confirmed=True)

    await harness.repos(load_one)

    (asked_again,) = await harness.press(ADMIN_ID, replace)
    assert asked_again.startswith(ZH("risk-confirm-changed"))
    assert "全部 1 个地区" in asked_again
    assert [a.region_code for a in await stored(harness)] == ["110105"]  # not emptied
    replies = await harness.press(ADMIN_ID, harness.button(REPLACE))
    assert "名单已更新：现有 0 条" in "\n".join(replies)
    assert await stored(harness) == []


async def test_a_button_of_an_earlier_upload_loads_nothing(harness: Harness, files: Files) -> None:
    before = await listed_good(harness, files)
    await send_file(harness, files, ADMIN_ID, HEADER_ONLY)
    empty_replace = harness.button(REPLACE)
    # Another file replaces the pending one: the first question's buttons no longer match.
    (question,) = await send_file(harness, files, ADMIN_ID, KEEPS_ONE.encode())
    assert question.startswith("这份名单将解除目前在列的 3 个地区中的 <b>2 个</b>")
    replace = harness.button(REPLACE)
    assert replace != empty_replace
    for stale in (empty_replace, RiskConfirm(ok=True, pending="0" * 16).pack(), "v1riskc:1"):
        assert await harness.press(ADMIN_ID, stale) == []
        assert (last_answer(harness).text, last_answer(harness).show_alert) == (
            ZH("button-expired"),
            True,
        )
    assert await stored(harness) == before
    # A bad file while asked drops the pending list too: the bot waits for a good file.
    (reply,) = await send_file(harness, files, ADMIN_ID, b"region,level\n")
    assert reply.startswith("名单<b>未加载</b>")
    assert await harness.press(ADMIN_ID, replace) == []
    assert last_answer(harness).text == ZH("button-expired")
    assert await stored(harness) == before
    await send_file(harness, files, ADMIN_ID, KEEPS_ONE.encode())
    replies = await harness.press(ADMIN_ID, harness.button(REPLACE))
    assert any("名单已更新：现有 1 条" in reply for reply in replies)


async def test_a_list_lifting_half_or_fewer_loads_at_once(harness: Harness, files: Files) -> None:
    await listed_good(harness, files)
    replies = await send_file(harness, files, ADMIN_ID, KEEPS_TWO.encode())
    assert any("名单已更新：现有 3 条（新增 1，解除 1，变更 1，未变 1）" in r for r in replies)
    assert ZH("risk-confirm-ask") not in "\n".join(replies)
    assert len(await stored(harness)) == 3
    # The dialog is over, as after any load.
    assert not_understood(
        await send_file(harness, files, ADMIN_ID, HEADER_ONLY), key="fallback-not-text"
    )


async def test_only_those_allowed_to_load_may_confirm(harness: Harness, files: Files) -> None:
    # The township's supervisor holds a pending question (as if the office role had been
    # taken away since, or the dialog data forged): the service refuses and audits.
    key = StorageKey(bot_id=BOT_ID, chat_id=TOWNSHIP_SUPERVISOR, user_id=TOWNSHIP_SUPERVISOR)
    await harness.storage.set_state(key, RiskUpload.confirming)
    await harness.storage.set_data(key, {PENDING: pack_areas([]), ASKED_FOR: "0" * 16})
    before = await listed_good(harness, files)
    data = RiskConfirm(ok=True, pending=fingerprint([])).pack()

    assert await harness.press(TOWNSHIP_SUPERVISOR, data) == []
    assert last_answer(harness).text == EN("risk-load-not-allowed")
    assert last_answer(harness).show_alert is True
    assert await stored(harness) == before
    assert (await audited(harness))[0] == (TOWNSHIP_SUPERVISOR, False, "risk-load-not-allowed")
    assert await harness.storage.get_state(key) is None
    # A resident with no dialog at all gets the expired-button answer, not the list.
    assert await harness.press(RESIDENT, data) == []
    assert last_answer(harness).text == ZH("button-expired")
    assert await stored(harness) == before
