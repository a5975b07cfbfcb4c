"""What a reader notices in the catalogs: Chinese punctuation, values shown as "?", English
counts that do not agree, the residents' button called by another name, labels cut on buttons.
(Both catalogs having the same keys and placeholders is tests/unit/test_i18n.py's.)"""

from __future__ import annotations

import re

import pytest

from domain.org import Language
from domain.reports import DEFAULT_FORM
from texts.i18n import Html, Translator, catalog
from texts.keyboards import MAX_BUTTON_LABEL, report_summary_keyboard
from texts.reports import button_label

HAN = "\u3400-\u9fff"
# Half-width punctuation touching Chinese text, or a placeholder standing in Chinese text.
# Times (09:00), addresses (https:) and numbers (1,000) touch no Chinese and pass.
HALF_WIDTH = re.compile(rf"(?<=[{HAN}}}])[:,?!;]|[:,?!;](?=[{HAN}])")
# A question mark asking nothing: a stand-in for a missing value, like "（? 至 ?）".
BARE_QUESTION_MARK = re.compile(rf"(?<![\w{HAN}\"”’)）}}])[?？]")
# Placeholders that are counts (the values the code passes as ints).
COUNTS = (
    *("n", "count", "total", "more", "days", "limit", "length", "rows", "found"),
    *("expected", "submitted", "zero", "late", "excused", "missing"),
    *("added", "removed", "changed", "unchanged", "screened", "reclassified", "listed", "lifted"),
)
# A count followed by a plural noun ("{days} days", "{zero} zero reports") without a plural
# form: "1 days". Written right, the noun is a plural spec: "{days} {days:day|days}".
UNAGREEING_COUNT = re.compile(r"\{(" + "|".join(COUNTS) + r")\} (?:[a-z-]+ )?[a-z-]*[a-z]s\b")
# Messages that tell residents to press the button pinned in their group.
BUTTON_MENTIONS = (
    "purpose-residents",
    "whoami-no-roles",
    "invite-resident-via-group",
    "join-unknown",
    "declare-no-unit",
    "declare-join-failed",
)


def plain(text: str) -> str:
    """The text a reader sees: no tags, and no <code> (file formats keep ASCII commas)."""
    return re.sub(r"<[^>]*>", "", re.sub(r"<code>.*?</code>", "", text))


def test_chinese_text_has_full_width_punctuation() -> None:
    wrong = {
        key: match.group()
        for key, text in catalog(Language.ZH_CN).items()
        if (match := HALF_WIDTH.search(plain(text)))
    }
    assert wrong == {}


def test_the_rule_finds_half_width_punctuation_after_chinese_only() -> None:
    assert HALF_WIDTH.search("姓名: 胡军")
    assert HALF_WIDTH.search("{unit}, 请报送")
    assert not HALF_WIDTH.search("请于 09:00 前访问 https://example.org，谢谢")


@pytest.mark.parametrize("language", list(Language))
def test_no_message_shows_a_question_mark_for_a_missing_value(language: Language) -> None:
    wrong = [
        key for key, text in catalog(language).items() if BARE_QUESTION_MARK.search(plain(text))
    ]
    assert wrong == []
    assert BARE_QUESTION_MARK.search("上海（? 至 ?）")
    assert not BARE_QUESTION_MARK.search(plain("How did you <b>travel</b>?"))


def test_english_counts_agree_with_their_nouns() -> None:
    texts = catalog(Language.EN)
    unagreeing = {key: m.group() for key, t in texts.items() if (m := UNAGREEING_COUNT.search(t))}
    assert unagreeing == {}
    assert [key for key, text in texts.items() if "(s)" in text] == []
    assert UNAGREEING_COUNT.search("{zero} zero reports")
    assert not UNAGREEING_COUNT.search("{zero} zero {zero:report|reports}")


@pytest.mark.parametrize("language", list(Language))
def test_messages_name_the_residents_button_as_it_reads(language: Language) -> None:
    texts = catalog(language)
    # The group's post speaks the deployment's language; a reader of either must find it.
    button = texts["declare-post-button"]
    assert button == catalog(Language.ZH_CN)["declare-post-button"]
    names = {button, *(part.strip() for part in button.split("/"))}
    for key in BUTTON_MENTIONS:
        quoted = re.findall(r"[“\"]([^”\"]+)[”\"]", texts[key])
        assert quoted, key
        assert set(quoted) <= names, key
    for key, text in texts.items():
        assert "登记按钮" not in text, key
        assert "“登记”" not in text, key
        assert "Register button" not in text, key


@pytest.mark.parametrize("language", list(Language))
def test_every_report_field_fits_its_summary_button_uncut(language: Language) -> None:
    tr = Translator(language)
    fields = [(item.key, button_label(tr, DEFAULT_FORM, item)) for item in DEFAULT_FORM.fields]
    keyboard = report_summary_keyboard(tr, len(fields), fields, dialog="d")
    shown = [button.text for row in keyboard.inline_keyboard for button in row]
    for key, label in fields:
        assert len(label) <= MAX_BUTTON_LABEL, key
        assert tr("report-button-edit", field=Html(label)) in shown, key
    assert not [text for text in shown if "…" in text]


def test_every_short_button_name_belongs_to_a_field() -> None:
    keys = {f"form-{DEFAULT_FORM.name}-{item.key}-short" for item in DEFAULT_FORM.fields}
    assert {key for key in catalog(Language.ZH_CN) if key.endswith("-short")} <= keys


# Messages that name buttons, and the buttons they may name.
QUOTED_BUTTONS = {
    "checkin-ask-symptoms": ("checkin-button-done", "checkin-button-none"),
    "declare-q-symptoms": ("declare-button-done",),
    "declare-q-contacts": ("declare-button-done",),
    "declare-tick-or-none": ("declare-button-none",),
    "declare-intro": ("declare-button-back",),
    "report-summary-footer": ("report-button-submit",),
    "risk-confirm-pending": ("risk-confirm-button", "risk-confirm-cancel-button"),
    "risk-confirm-ask": ("risk-confirm-cancel-button",),
}


def button_name(label: str) -> str:
    """A label without its icon: "✅ 提交" is called “提交”."""
    return re.sub(rf"^[^\w{HAN}]+|[^\w{HAN}]+$", "", label)


@pytest.mark.parametrize("language", list(Language))
def test_messages_call_buttons_what_they_say(language: Language) -> None:
    texts = catalog(language)
    for key, button_keys in QUOTED_BUTTONS.items():
        quoted = set(re.findall(r"[“\"]([^”\"]+)[”\"]", texts[key]))
        assert quoted, key
        assert quoted <= {button_name(texts[button]) for button in button_keys}, key


@pytest.mark.parametrize("language", list(Language))
def test_the_same_thing_has_one_name_across_features(language: Language) -> None:
    texts = catalog(language)
    assert texts["report-value-none"] == texts["declare-skipped"]  # an answer left out
    # The tracker (包保责任人) is called by its role's name, the temperature in one unit.
    other_names = re.compile(r"包保(?!责任人)|responsible worker|℃")
    assert [key for key, text in texts.items() if other_names.search(text)] == []
