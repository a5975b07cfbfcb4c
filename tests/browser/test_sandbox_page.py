"""The sandbox page in headless Chromium, as a visitor uses it: a resident declares from the
residents group, a liaison answers a reminder with a zero report after moving the clock, and
a supervisor gets the roll-up once the deadline has passed. Screenshots of each stage are
saved as test artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BOT = 1000000001
RESIDENT = 3004  # 胡军, 南街社区
LIAISON = 2003  # 刘联络, 南街社区's liaison
SUPERVISOR = 1002  # 李镇长, 城关镇 (above 南街社区 and 东关村)
RESIDENTS_GROUP = -1001000000004  # 南街社区居民群
WAIT_MS = 30_000


def act_as(page: Page, person: int) -> None:
    page.select_option("#person-select", str(person))
    # The chat list is the new person's once their private chat with the bot is in it.
    expect(page.locator(f'.chat-item[data-chat-id="{person}"]')).to_be_attached(timeout=WAIT_MS)


def open_chat(page: Page, chat: int) -> None:
    page.click(f'.chat-item[data-chat-id="{chat}"]')
    expect(page.locator(f'.message[data-chat-id="{chat}"]').first).to_be_attached(timeout=WAIT_MS)


def bot_message(page: Page, chat: int, text: str) -> object:
    return page.locator(f'.message[data-chat-id="{chat}"]', has_text=text).last


def test_declaring_then_a_reporting_day_in_the_browser(
    demo: str, browser: Browser, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.goto(demo)
    expect(page.locator("#clock-now")).to_contain_text("2026", timeout=WAIT_MS)

    # A resident opens the residents group and presses the pinned declare button...
    act_as(page, RESIDENT)
    open_chat(page, RESIDENTS_GROUP)
    expect(page.locator("#pinned-bar")).to_contain_text("返乡报备", timeout=WAIT_MS)
    declare = page.locator(f'.message[data-chat-id="{RESIDENTS_GROUP}"] button.inline-button')
    declare.filter(has_text="我要报备").last.click()
    # ...lands in the private chat with the bot, accepts the privacy notice, and the first
    # question appears.
    expect(page.locator("#chat-title")).to_contain_text("防控助手", timeout=WAIT_MS)
    notice = bot_message(page, RESIDENT, "个人信息告知书")
    expect(notice).to_be_visible(timeout=WAIT_MS)
    notice.locator("button.inline-button", has_text="同意并开始报备").click()
    expect(bot_message(page, RESIDENT, "请输入姓名")).to_be_visible(timeout=WAIT_MS)
    expect(bot_message(page, RESIDENT, "开始返乡报备（南街社区）")).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(artifacts / "1-resident-declares.png"))

    # The liaison moves the clock to 15 minutes before the 17:00 deadline...
    act_as(page, LIAISON)
    open_chat(page, LIAISON)
    page.click('button.clock-preset[data-preset="deadline-1700-minus-15m"]')
    expect(page.locator("#clock-now")).to_contain_text("16:45", timeout=WAIT_MS)
    # ...the reminders arrive, and the last one's zero-report button files the report.
    reminder = bot_message(page, LIAISON, "日报告即将截止")
    expect(reminder).to_be_visible(timeout=WAIT_MS)
    expect(bot_message(page, LIAISON, "日报告提醒")).to_be_visible(timeout=WAIT_MS)
    reminder.locator("button.inline-button", has_text="零报告").click()
    confirm = bot_message(page, LIAISON, "确认报送吗")
    expect(confirm).to_be_visible(timeout=WAIT_MS)
    confirm.locator("button.inline-button", has_text="确认零报告").click()
    expect(bot_message(page, LIAISON, "零报告已报送")).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(artifacts / "2-liaison-files-a-zero-report.png"))

    # The supervisor moves the clock past the deadline and gets the roll-up of the township.
    act_as(page, SUPERVISOR)
    open_chat(page, SUPERVISOR)
    page.click('button.clock-preset[data-preset="deadline-1700-plus-1m"]')
    expect(page.locator("#clock-now")).to_contain_text("17:01", timeout=WAIT_MS)
    rollup = bot_message(page, SUPERVISOR, "城关镇 日报告汇总")
    expect(rollup).to_be_visible(timeout=WAIT_MS)
    expect(rollup).to_contain_text("已报 1（其中零报告 1，迟报 0）", timeout=WAIT_MS)
    expect(rollup).to_contain_text("东关村")  # still missing, by name
    # The log panel shows the bot's calls as they happen.
    expect(page.locator("#api-log .log-entry", has_text="sendMessage").first).to_be_visible(
        timeout=WAIT_MS
    )
    page.screenshot(path=str(artifacts / "3-supervisor-gets-the-rollup.png"))

    assert problems == []
