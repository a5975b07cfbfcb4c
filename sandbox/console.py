"""A terminal chat with the demo bot: act as any person of the demo organisation.

A stop-gap until the web page: it uses only the emulator's control API, like the page will.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from typing import Any

from domain.orgfile import OrgPlan
from sandbox.emulator import ControlError, Emulator

HELP = """Type a message to send it as the current person in the current chat.
  :people          the demo people          :as ID     act as that person
  :chats           chats of the person      :in ID     switch chat (:in me = private chat)
  :press N         press button N of the bot's last message in this chat
  :help            this text                :quit      stop the demo (or Ctrl-C)"""


def plain(message: dict[str, Any]) -> str:
    text = str(message.get("text") or message.get("caption") or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Console:
    def __init__(self, emulator: Emulator, plan: OrgPlan, bot: str) -> None:
        self.emu = emulator
        self.plan = plan
        self.bot = bot
        self.person = plan.people[0].telegram_id
        self.chat = self.person
        self.buttons: list[dict[str, Any]] = []
        self.shown: dict[tuple[int, int], str] = {}  # (chat, message) -> text last printed

    async def run(self, stop: asyncio.Event) -> None:
        print(HELP)
        while not stop.is_set():
            line = await asyncio.to_thread(self._read)
            if line is None:
                stop.set()
                return
            try:
                await self._handle(line.strip(), stop)
            except ControlError as error:
                print(f"! {error}")

    def _read(self) -> str | None:
        try:
            return input(f"[{self._name(self.person)} @ {self._chat_name()}] > ")
        except EOFError:
            return None

    async def _handle(self, line: str, stop: asyncio.Event) -> None:
        command, _, argument = line.partition(" ")
        if not line:
            return
        if command == ":quit":
            stop.set()
        elif command == ":help":
            print(HELP)
        elif command == ":people":
            for assignment in self.plan.assignments:
                name = self._name(assignment.telegram_id)
                print(
                    f"  {assignment.telegram_id:>6}  {name}  "
                    f"{assignment.role}@{assignment.unit_code}"
                )
        elif command == ":as" and argument.isdigit():
            self.person = self.chat = int(argument)
            self._show_new()
        elif command == ":chats":
            for chat in self.emu.chats_for_user(self.person):
                print(f"  {chat['id']:>15}  {chat.get('title') or chat.get('type')}")
        elif command == ":in":
            self.chat = self.person if argument == "me" else int(argument)
            self._show_new()
        elif command == ":press" and argument.isdigit() and 0 < int(argument) <= len(self.buttons):
            await self._press(self.buttons[int(argument) - 1])
        elif command.startswith(":"):
            print(HELP)
        else:
            self.emu.user_sends(self.person, self.chat, line, bot=self.bot)
            await self._await_reply()

    async def _press(self, button: dict[str, Any]) -> None:
        if "data" in button:
            self.emu.press_button(
                self.person, self.chat, button["message_id"], button["data"], bot=self.bot
            )
        else:
            # A deep link to the bot: like a Telegram client, open the private chat and /start.
            payload = str(button["url"]).partition("?start=")[2]
            self.chat = self.person
            self.emu.user_sends(self.person, self.person, f"/start {payload}".strip(), bot=self.bot)
        await self._await_reply()

    async def _await_reply(self) -> None:
        # Give the bot a moment to answer; later messages show up with the next command.
        await asyncio.sleep(1.0)
        self._show_new()

    def _show_new(self) -> None:
        messages = self.emu.bot_messages(self.chat, bot=self.bot)
        for message in messages:
            text = plain(message)
            key = (self.chat, message["message_id"])
            if self.shown.get(key) != text:  # new, or edited since it was shown
                self.shown[key] = text
                print("  🤖 " + text.replace("\n", "\n     "))
        if messages:
            self._number_buttons(messages[-1])
        sys.stdout.flush()

    def _number_buttons(self, message: dict[str, Any]) -> None:
        self.buttons = []
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    self.buttons.append(
                        {"message_id": message["message_id"], "data": button["callback_data"]}
                    )
                    print(f"     [{len(self.buttons)}] {button['text']}")
                elif "url" in button:
                    self.buttons.append({"url": button["url"]})
                    print(f"     [{len(self.buttons)}] {button['text']} ↗")

    def _name(self, telegram_id: int) -> str:
        return next(
            (p.name for p in self.plan.people if p.telegram_id == telegram_id), str(telegram_id)
        )

    def _chat_name(self) -> str:
        if self.chat == self.person:
            return "private"
        return next((g.title for g in self.plan.groups if g.chat_id == self.chat), str(self.chat))
