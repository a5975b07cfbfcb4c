"""The sandbox page's details a visitor noticed (issue 14), in headless Chromium on an American
system: the clock box shows ISO dates and 24 hours, the day pill never covers a message, and
a refused message is explained in the page's language. Screenshots in both languages are
saved as test artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SUPERVISOR = 1002  # 李镇长
WORK_GROUP = -1001000000002  # 城关镇联络员工作群: the bot does not answer chatter there
WAIT_MS = 30_000
TOO_LONG = "长" * 4097

# Scrolls the message list from top to bottom, waiting for each scroll event, and returns
# every moment a date pill (the floating one or a separator) covered part of a message that
# was in sight, with the days the floating pill showed.
SCROLL_THROUGH = """async () => {
  const box = document.querySelector('#messages');
  const pill = document.querySelector('#day-pill');
  const seen = (rect, view) => ({
    top: Math.max(rect.top, view.top), bottom: Math.min(rect.bottom, view.bottom),
    left: rect.left, right: rect.right,
  });
  const meet = (a, b) => a.top < b.bottom && b.top < a.bottom
    && a.left < b.right && b.left < a.right;
  const covered = [];
  const days = [];
  const end = box.scrollHeight - box.clientHeight;
  const stops = [];
  for (let top = 0; top < end; top += 25) stops.push(top);
  stops.push(end);
  for (const top of stops) {
    if (box.scrollTop !== top) {
      const scrolled = new Promise((resolve) => {
        box.addEventListener('scroll', resolve, { once: true });
      });
      box.scrollTop = top;
      await scrolled;
    }
    const view = box.getBoundingClientRect();
    const pills = [...box.querySelectorAll('.day-separator span')]
      .map((node) => node.getBoundingClientRect());
    if (!pill.hidden) {
      pills.push(pill.getBoundingClientRect());
      if (days[days.length - 1] !== pill.textContent) days.push(pill.textContent);
    }
    for (const bubble of box.querySelectorAll('.message .bubble')) {
      const part = seen(bubble.getBoundingClientRect(), view);
      if (part.top >= part.bottom) continue;
      if (pills.some((rect) => meet(rect, part))) {
        covered.push({ top, text: bubble.textContent.slice(0, 40) });
      }
    }
  }
  return { covered, days };
}"""


def send_as(page: Page, demo: str, person: int, chat: int, text: str) -> None:
    response = page.request.post(
        f"{demo}control/send", data={"user_id": person, "chat_id": chat, "text": text}
    )
    assert response.ok, response.text()


def two_days_of_messages(page: Page, demo: str) -> None:
    """More than a screenful on each day, so that each day's separator can scroll away."""
    for day in (1, 2):
        for number in range(1, 16):
            text = (
                f"第 {day} 天第 {number} 条：请各村今天下午五点前报送日报告，没有新增情况的"
                "请报零报告。Please file the daily report by 17:00."
            )
            send_as(page, demo, SUPERVISOR, WORK_GROUP, text)
        if day == 1:
            moved = page.request.post(f"{demo}sandbox/clock", data={"preset": "tomorrow-0900"})
            assert moved.ok, moved.text()


def separators(page: Page) -> list[str]:
    return page.locator("#messages .day-separator").all_inner_texts()


def test_clock_box_day_pill_and_refusals_in_both_languages(
    demo: str, browser: Browser, artifacts: Path
) -> None:
    # An American system locale: a datetime-local box would read 11/24/2026, 10:00 AM.
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="en-US")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    two_days_of_messages(page, demo)
    page.goto(demo)
    expect(page.locator("#clock-now")).to_contain_text("2026", timeout=WAIT_MS)

    # The clock box: ISO order and 24 hours, an hour ahead of the simulated 2026-11-24 09:00.
    box = page.locator("#clock-custom")
    expect(box).to_have_value("2026-11-24 10:00")
    box.fill("11/24/2026 10:30 AM")
    page.click("#clock-go")
    expect(page.locator("#clock-status")).to_have_text(
        "请按 YYYY-MM-DD HH:MM 输入时间（24 小时制）"
    )
    expect(box).to_have_attribute("aria-invalid", "true")
    box.fill("2026-11-24 10:30")
    box.press("Enter")
    expect(page.locator("#clock-now")).to_contain_text("10:30", timeout=WAIT_MS)
    expect(box).to_have_value("2026-11-24 11:30")
    page.locator("#clock-panel").screenshot(path=str(artifacts / "details-clock-zh.png"))

    # The day pill: never over a message, wherever the list is scrolled; it names the day at
    # the top once that day's separator has gone.
    page.select_option("#person-select", str(SUPERVISOR))
    expect(page.locator(f'.chat-item[data-chat-id="{SUPERVISOR}"]')).to_be_attached(timeout=WAIT_MS)
    page.click(f'.chat-item[data-chat-id="{WORK_GROUP}"]')
    expect(page.locator(".message", has_text="第 2 天第 15 条")).to_be_visible(timeout=WAIT_MS)
    result: dict[str, Any] = page.evaluate(SCROLL_THROUGH)
    assert result["covered"] == []
    *_, first_day, second_day = separators(page)
    assert result["days"][-2:] == [first_day, second_day], result["days"]
    assert second_day == "11月24日星期二"
    scroll_to_before_the_second_day(page)
    expect(page.locator("#day-pill")).to_have_text(first_day)
    page.screenshot(path=str(artifacts / "details-day-pill-zh.png"))

    # A message over Telegram's limit: refused in the page's language, the text kept.
    composer = page.locator("#composer-input")
    composer.fill(TOO_LONG)
    composer.press("Enter")
    expect(page.locator("#toasts .toast.error")).to_have_text("消息过长（最多 4096 个字符）")
    expect(composer).to_have_value(TOO_LONG)
    page.screenshot(path=str(artifacts / "details-too-long-zh.png"))

    # The same in English.
    page.click("#lang-toggle")
    expect(page.locator("#clock-custom")).to_have_value("2026-11-24 11:30")
    english_day = separators(page)[-2]
    assert english_day == "Monday 23 November"
    expect(page.locator("#day-pill")).to_have_text(english_day)
    composer.press("Enter")
    refusal = page.locator("#toasts .toast.error", has_text="Message")
    expect(refusal).to_have_text("Message too long (at most 4096 characters)")
    page.screenshot(path=str(artifacts / "details-en.png"))

    assert problems == []


def scroll_to_before_the_second_day(page: Page) -> None:
    """The end of the first day at the top of the list, its separator long gone."""
    page.evaluate(
        """() => {
          const box = document.querySelector('#messages');
          const last = [...box.querySelectorAll('.day-separator')].pop();
          box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 120;
        }"""
    )
