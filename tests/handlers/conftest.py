"""feed_update tests: the real dispatcher and database, a recording stand-in for Telegram."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatMember,
    GetMe,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    Document,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    Sticker,
    Update,
    User,
    Voice,
)

from bot.app import create_dispatcher
from bot.clock import AdjustableClock
from bot.config import Settings
from bot.session import CommitBeforeRequestMiddleware
from domain.org import Language
from services.org import load_org_file
from storage import Database, Repositories, SQLStorage
from tests.orgs import (
    CHENGGUAN,
    DONGGUAN,
    DONGGUAN_LIAISON,
    HEXI,
    XIAN,
    XIAN_SUPERVISOR,
    Member,
    org_toml,
)
from texts.i18n import Translator
from texts.privacy_notice import DeclNotice

BOT_ID = 42
TOKEN = f"{BOT_ID}:TESTtokenTESTtokenTESTtokenTEST12345"
ADMIN_ID = 9
ORG = org_toml(
    [XIAN, CHENGGUAN, HEXI, DONGGUAN],
    [
        XIAN_SUPERVISOR,
        Member(1002, "李镇长", "chengguan", "supervisor", language="en"),
        DONGGUAN_LIAISON,
    ],
)
ZH = Translator(Language.ZH_CN)
NOTICE_PREFIX = DeclNotice.__prefix__ + ":"
EN = Translator(Language.EN)


MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"photo": [PhotoSize(file_id="p", file_unique_id="p", width=90, height=90)]},
    "sticker": {
        "sticker": Sticker(
            file_id="s",
            file_unique_id="s",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
    },
    "document": {"document": Document(file_id="d", file_unique_id="d", file_name="a.pdf")},
    "voice": {"voice": Voice(file_id="v", file_unique_id="v", duration=3)},
}


def not_understood(
    replies: list[str], tr: Translator = ZH, key: str = "fallback-not-understood"
) -> bool:
    """The fallback's answer alone: what was sent answered no question (and was not lost in
    silence)."""
    return len(replies) == 1 and replies[0].startswith(tr(key))


class RecordingSession(BaseSession):
    """Answers every Bot API call like Telegram would, and remembers it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.bot_member: Any = ChatMemberAdministrator(
            user=bot_user(),
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
            can_send_welcome_messages=False,
        )
        self.fail_on: dict[type[Any], Exception] = {}
        self._answered: set[str] = set()
        self._ids = itertools.count(100)
        self.sent_ids: list[tuple[int, int]] = []  # (chat, message id) of each message sent

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> Any:
        self.requests.append(method)
        if type(method) in self.fail_on:
            raise self.fail_on[type(method)]
        if isinstance(method, GetMe):
            return bot_user()
        if isinstance(method, AnswerCallbackQuery):
            # Telegram accepts one answer per callback query.
            if method.callback_query_id in self._answered:
                raise TelegramBadRequest(method, "Bad Request: query is too old")
            self._answered.add(method.callback_query_id)
        if isinstance(method, GetChatMember):
            return self.bot_member
        if isinstance(method, SendMessage | EditMessageText):
            chat_id = int(method.chat_id) if method.chat_id is not None else 0
            message_id = next(self._ids)
            if isinstance(method, SendMessage):
                self.sent_ids.append((chat_id, message_id))
            return Message(
                message_id=message_id,
                date=datetime.now(UTC),
                text=method.text,
                chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
                from_user=bot_user(),
                reply_markup=method.reply_markup
                if isinstance(method.reply_markup, InlineKeyboardMarkup)
                else None,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def close(self) -> None:
        pass

    def sent(self, chat_id: int | None = None) -> list[SendMessage]:
        return [
            r
            for r in self.requests
            if isinstance(r, SendMessage) and (chat_id is None or r.chat_id == chat_id)
        ]

    def last_sent_id(self, chat_id: int) -> int:
        return [message for chat, message in self.sent_ids if chat == chat_id][-1]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m.text for m in self.sent(chat_id)]

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind)]

    def clear(self) -> None:
        self.requests.clear()


# How an echoed answer begins, in either language (handlers.dialogs.answered).
ECHO_MARKS = tuple(tr("dialog-answered", answer="").split("<b>")[0] for tr in (ZH, EN))


def _is_echo(request: EditMessageText) -> bool:
    return request.reply_markup is None and any(
        "\n\n" + mark in request.text for mark in ECHO_MARKS
    )


def bot_user() -> User:
    return User(id=BOT_ID, is_bot=True, first_name="防控助手", username="fangkong_test_bot")


def plain_member() -> ChatMemberMember:
    return ChatMemberMember(user=bot_user())


@dataclass
class Harness:
    """Feeds updates from pretend users into the real dispatcher and database."""

    bot: Bot
    session: RecordingSession
    database: Database
    settings: Settings
    clock: AdjustableClock
    storage: BaseStorage
    dispatcher: Dispatcher
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def restart(self) -> None:
        """A new dispatcher over the same database and FSM storage, as after a process restart."""
        self.storage = SQLStorage(self.database)
        self.dispatcher = create_dispatcher(
            self.settings, self.database, clock=self.clock, storage=self.storage
        )

    async def feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    def message_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language: str = "zh-hans",
        name: str = "用户",
        chat_title: str = "测试群",
        media: dict[str, Any] | None = None,
    ) -> Update:
        chat_id = user_id if chat_id is None else chat_id
        chat = (
            Chat(id=chat_id, type="private", first_name=name)
            if chat_id > 0
            else Chat(id=chat_id, type="supergroup", title=chat_title)
        )
        user = User(id=user_id, is_bot=False, first_name=name, language_code=language)
        message = Message(
            message_id=next(self._update_ids),
            date=datetime.now(UTC),
            chat=chat,
            from_user=user,
            **(media or {"text": text}),
        )
        return Update(update_id=next(self._update_ids), message=message)

    async def send(self, user_id: int, text: str, **kwargs: Any) -> list[str]:
        """The user sends `text`; returns the texts of the bot's messages that followed."""
        before = len(self.session.requests)
        await self.feed(self.message_update(user_id, text, **kwargs))
        return self._replies(before)

    async def declare(self, user_id: int, command: str = "/declare") -> list[str]:
        """`command` in the private chat, and the privacy notice accepted when it is asked
        (once per person, once per proxy declaration): the replies after it."""
        before = len(self.session.requests)
        replies = await self.send(user_id, command)
        return await self.accept_notice(user_id, since=before) or replies

    async def accept_notice(self, user_id: int, *, since: int = 0) -> list[str] | None:
        """Press "accept" on the privacy notice sent after request `since` (the latest, by
        default): the replies; None when no notice was sent."""
        for request in reversed(self.session.requests[since:]):
            markup = getattr(request, "reply_markup", None)
            if not isinstance(markup, InlineKeyboardMarkup):
                continue
            for row in markup.inline_keyboard:
                for button in row:
                    data = button.callback_data or ""
                    if data.startswith(NOTICE_PREFIX) and DeclNotice.unpack(data).accept:
                        return await self.press(user_id, data)
        return None

    async def send_media(self, user_id: int, kind: str, **kwargs: Any) -> list[str]:
        """The user sends a photo, sticker, document or voice message (see `MEDIA`)."""
        before = len(self.session.requests)
        await self.feed(self.message_update(user_id, "", media=MEDIA[kind], **kwargs))
        return self._replies(before)

    def _replies(self, before: int) -> list[str]:
        """The messages sent or redrawn since `before`; the answers echoed into questions
        (handlers.dialogs.answered) are not replies, `echoes` shows them."""
        return [
            r.text
            for r in self.session.requests[before:]
            if isinstance(r, SendMessage | EditMessageText) and not _is_echo(r)
        ]

    def echoes(self, chat_id: int) -> list[str]:
        """The questions edited to show the answer given, as last shown."""
        return [
            r.text
            for r in self.session.requests
            if isinstance(r, EditMessageText) and _is_echo(r) and r.chat_id == chat_id
        ]

    def _pressed_on(self, data: str) -> tuple[str, InlineKeyboardMarkup | None]:
        """The text and keyboard of the last message sent with a button carrying `data`, as
        Telegram puts them into the callback query (a forged `data` matches none)."""
        for request in reversed(self.session.requests):
            markup = getattr(request, "reply_markup", None)
            if not isinstance(markup, InlineKeyboardMarkup):
                continue
            if any(b.callback_data == data for row in markup.inline_keyboard for b in row):
                return getattr(request, "text", None) or "…", markup
        return "…", None

    async def press(
        self, user_id: int, data: str, *, chat_id: int | None = None, language: str = "zh-hans"
    ) -> list[str]:
        before = len(self.session.requests)
        chat_id = user_id if chat_id is None else chat_id
        user = User(id=user_id, is_bot=False, first_name="用户", language_code=language)
        text, markup = self._pressed_on(data)
        message = Message(
            message_id=7,
            date=datetime.now(UTC),
            from_user=bot_user(),
            text=text,
            reply_markup=markup,
            chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
        )
        query = CallbackQuery(
            id=str(next(self._update_ids)),
            from_user=user,
            chat_instance="ci",
            message=message,
            data=data,
        )
        await self.feed(Update(update_id=next(self._update_ids), callback_query=query))
        return self._replies(before)

    def last_keyboard(self) -> InlineKeyboardMarkup:
        for request in reversed(self.session.requests):
            markup = getattr(request, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup) and not isinstance(
                request, EditMessageReplyMarkup
            ):
                return markup
        raise AssertionError("the bot sent no inline keyboard")

    def last_markup(self) -> InlineKeyboardMarkup:
        """The last inline keyboard sent or put in place of another."""
        for request in reversed(self.session.requests):
            markup = getattr(request, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup):
                return markup
        raise AssertionError("the bot sent no inline keyboard")

    def labels(self) -> list[str]:
        """The labels of the last inline keyboard sent or put in place of another."""
        return [button.text for row in self.last_markup().inline_keyboard for button in row]

    def button(self, text: str, *, markup: InlineKeyboardMarkup | None = None) -> str:
        """The callback data of the button labelled `text` on the last keyboard sent (or on
        `markup`)."""
        for row in (markup or self.last_keyboard()).inline_keyboard:
            for button in row:
                if button.text == text and button.callback_data:
                    return button.callback_data
        raise AssertionError(f"no button {text!r}")

    async def repos(self, action: Callable[[Repositories], Any]) -> Any:
        async with self.database.session() as session:
            result = await action(Repositories(session))
            await session.commit()
            return result


@pytest.fixture
async def harness(sqlite_database: Database) -> AsyncIterator[Harness]:
    settings = Settings.model_validate(
        {"telegram": {"token": TOKEN}, "admins": {"telegram_ids": [ADMIN_ID]}}
    )
    clock = AdjustableClock()
    async with sqlite_database.session() as session:
        await load_org_file(Repositories(session), ORG, now=clock.now())
        await session.commit()
    session_ = RecordingSession()
    # As in production: a handler's request first commits what its update has done so far.
    session_.middleware(CommitBeforeRequestMiddleware(sqlite_database))
    bot = Bot(TOKEN, session=session_, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    storage = SQLStorage(sqlite_database)
    dispatcher = create_dispatcher(settings, sqlite_database, clock=clock, storage=storage)
    return Harness(bot, session_, sqlite_database, settings, clock, storage, dispatcher)
