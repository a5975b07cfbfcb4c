"""The edge every update passes: control characters out, unreadable updates reduced to an id."""

from __future__ import annotations

import json
import logging

import pytest
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates, SendMessage

from bot.inbound import may_hold_controls, read_update, strip_controls
from bot.session import BotSession

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
TYPED = "我的电话 13912345678"


@pytest.fixture
def bot() -> Bot:
    return Bot(TOKEN)


def message(text: str, entities: list[dict[str, object]] | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "张\x00三"},
        "text": text,
    }
    if entities is not None:
        body["entities"] = entities
    return body


def test_control_characters_leave_every_string_and_entities_keep_their_words() -> None:
    text = "/bind\x00 dong\x07guan 😷\x1b @li"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 5},
        {"type": "mention", "offset": 21, "length": 3},  # "@li", after the emoji (2 units)
    ]
    cleaned = strip_controls({"update_id": 1, "message": message(text, entities)})
    assert cleaned["message"]["text"] == "/bind dongguan 😷 @li"
    assert cleaned["message"]["from"]["first_name"] == "张三"
    command, mention = cleaned["message"]["entities"]
    assert command == {"type": "bot_command", "offset": 0, "length": 5}
    # Three characters before it went, so it moved back by three and still covers "@li".
    assert mention == {"type": "mention", "offset": 18, "length": 3}
    utf16 = cleaned["message"]["text"].encode("utf-16-le")
    assert utf16[2 * 18 : 2 * 21].decode("utf-16-le") == "@li"


def test_poll_options_keep_their_entities_too() -> None:
    option = {"text": "\x00A B", "text_entities": [{"type": "bold", "offset": 3, "length": 1}]}
    assert strip_controls(option) == {
        "text": "A B",
        "text_entities": [{"type": "bold", "offset": 2, "length": 1}],
    }


def test_tabs_and_line_breaks_stay_and_an_entity_of_only_controls_goes() -> None:
    cleaned = strip_controls(
        {"text": "a\tb\nc\r\n\x00\x01", "entities": [{"type": "bold", "offset": 7, "length": 2}]}
    )
    assert cleaned == {"text": "a\tb\nc\r\n", "entities": []}


def test_a_body_without_controls_is_recognised_without_parsing() -> None:
    assert not may_hold_controls(json.dumps({"text": "普通的话\n第二行\t"}))
    assert may_hold_controls(json.dumps({"text": "a\x00b"}))
    # JSON's short escapes for backspace and form feed, as Telegram writes them.
    assert may_hold_controls(json.dumps({"text": "dong\x08guan"}))
    assert may_hold_controls(json.dumps({"text": "dong\x0cguan"}))
    assert may_hold_controls(json.dumps({"text": "a\x85b"}, ensure_ascii=False))
    assert may_hold_controls(json.dumps({"text": "a\x85b"}))


def test_an_unreadable_update_becomes_its_bare_id_and_is_logged_without_contents(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    raw = {"update_id": 41, "message": {"message_id": 1, "text": TYPED}}
    with caplog.at_level(logging.WARNING):
        update = read_update(raw, bot)
    assert update is not None
    assert update.update_id == 41
    assert update.message is None
    assert "update 41 cannot be read and is skipped" in caplog.text
    assert "message.chat: missing" in caplog.text
    assert "13912345678" not in caplog.text
    assert read_update({"message": {"text": TYPED}}, bot) is None  # nothing to confirm


def test_get_updates_reads_each_update_on_its_own(bot: Bot) -> None:
    batch = {
        "ok": True,
        "result": [
            {"update_id": 1, "message": message("/start\x08")},
            {"update_id": 2, "message": {"message_id": 2, "text": TYPED}},
            {"update_id": 3, "message": message("/help")},
        ],
    }
    response = BotSession().check_response(bot, GetUpdates(), 200, json.dumps(batch))
    updates = response.result
    assert [u.update_id for u in updates] == [1, 2, 3]
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert updates[1].message is None  # skipped, but confirmed with the others
    assert updates[2].message is not None


def test_an_unreadable_answer_names_the_place_not_the_text(bot: Bot) -> None:
    answer = {"ok": True, "result": {"message_id": 3, "text": TYPED}}
    with pytest.raises(ClientDecodeError) as raised:
        BotSession().check_response(
            bot, SendMessage(chat_id=5, text=TYPED), 200, json.dumps(answer)
        )
    assert "sendMessage: result.date: missing" in str(raised.value)
    assert "13912345678" not in str(raised.value)
