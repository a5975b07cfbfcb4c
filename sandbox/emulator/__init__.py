"""A local Telegram Bot API emulator for end-to-end tests and the demo.

It serves the Bot API over real HTTP for any well-formed token (``<digits>:<30-50 url-safe
chars>``; the digits are the bot's id), so an unmodified aiogram bot runs against it with
``AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))``. Around the bot it keeps the
people, groups and messages a test (or the web chat page) controls::

    async with Emulator(clock=...).running() as emu:      # 127.0.0.1, free port
        emu.add_bot(TOKEN, username="fangkong_bot")       # optional: bots self-register
        alice = emu.create_user("Alice")
        emu.user_sends(alice["id"], alice["id"], "/start") # private chat id == user id
        reply = await emu.wait_for_message(alice["id"])    # the bot's answer, as JSON

Bot API: ``/bot<token>/<method>`` (GET/POST; query, urlencoded, multipart or JSON; method
names case-insensitive) and ``/file/bot<token>/<file_path>``. Methods: getMe, getUpdates,
setWebhook, deleteWebhook, getWebhookInfo, sendMessage, sendDocument, sendPhoto,
editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage(s), pinChatMessage,
unpinChatMessage, unpinAllChatMessages, answerCallbackQuery, getFile, getChat, getChatMember,
getChatMemberCount, getChatAdministrators, leaveChat, setMyCommands, getMyCommands,
deleteMyCommands, sendChatAction, logOut, close. Answers and error descriptions are
Telegram's (``Bad Request: chat not found``, ``Forbidden: bot was blocked by the user``,
``Too Many Requests: retry after N`` ...). Texts are parsed in HTML, MarkdownV2 and Markdown
like tdlib does, trimmed, limited to 4096 (captions 1024) code points after parsing, and get
Telegram's auto-detected entities (commands, mentions, hashtags, scheme URLs, e-mails);
entity offsets are UTF-16.

Telegram behaviour reproduced: users must have written to the bot before it can write to
them (403), blocking (403 and ``my_chat_member``), group membership (403), pin rights, group
privacy mode (non-admin bots with privacy on see only commands, replies to them and service
messages), basic group -> supergroup migration (400 with ``migrate_to_chat_id``), one long
poll at a time (409), 409 for getUpdates while a webhook is set, webhook redelivery of the same
update until a 2xx, method calls in webhook replies, 48 h delete window, edits without
reply_markup dropping the inline keyboard.

Control, in process (all results are JSON-ready dicts) or over HTTP under ``/control/``
(see :mod:`.control`): people and groups (``create_user``, ``create_group``, ``add_member``,
``add_bot_to_group``, ``set_bot_rights``, ``migrate_group``, ``user_blocks_bot``), actions
(``user_sends``, ``user_sends_file``, ``press_button``, ``queue_update``,
``duplicate_last_update``), reading (``messages``, ``bot_messages``, ``last_message``,
``wait_for_message``, ``pinned_message``, ``commands``, ``effective_commands``,
``callback_answers``, ``file_bytes``, ``api_log``, ``chats_for_user``), the bot's polling
(``polls_started``, ``is_polling``, ``is_idle``, ``wait_until_polling``, ``wait_until_idle``:
known when a long poll starts, while the API log records it only when it returns), and
conditions (``set_rate_limits``, ``inject_fault``, ``end_hangs``, ``set_clock_offset``,
``reset``). Chat changes are also published as events (``/control/events`` long poll,
``/control/events/stream`` SSE).

Flood control (off by default) counts sendMessage, sendDocument and sendPhoto (edits, deletes,
callback answers and getters are free): a sliding window of N calls per W seconds per bot
(30/s), per private chat (1/s) and per group (20/min), times ``scale`` (see :mod:`.limits`).

Deliberate differences from Telegram: webhooks and the server itself are loopback-only, and
plain http webhook URLs are accepted; inline buttons with several action fields are refused
rather than silently reduced to one; URL-only detection of links needs a scheme or ``www.``;
photos are stored once and all PhotoSize entries share the original bytes; message ids are
counted per chat (Telegram counts private chats and basic groups per user).
"""

from .errors import ApiError, ControlError, NotFoundError
from .server import Emulator

__all__ = ["ApiError", "ControlError", "Emulator", "NotFoundError"]
