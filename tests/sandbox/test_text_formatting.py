"""HTML parse mode and text normalisation, checked against Telegram's documented answers."""

from __future__ import annotations

import pytest

from sandbox.emulator.errors import ApiError
from sandbox.emulator.html_entities import HtmlParseError, parse_html
from sandbox.emulator.text import format_text


def entities(html: str) -> list[tuple[str, int, int]]:
    _text, found = format_text(html, "HTML", None)
    return [(e["type"], e["offset"], e["length"]) for e in found]


def test_nested_tags_become_entities_with_decoded_text() -> None:
    text, found = format_text(
        "<b>bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot;", "HTML", None
    )
    assert text == 'bold both <tag> & "q"'
    assert [(e["type"], e["offset"], e["length"]) for e in found] == [
        ("bold", 0, 9),
        ("italic", 5, 4),
    ]


def test_offsets_are_utf16_code_units() -> None:
    # The emoji is one code point but two UTF-16 units, like in Telegram's answers.
    assert entities("😀 <b>x</b>") == [("bold", 3, 1)]


def test_links_pre_with_language_spoilers_and_blockquotes() -> None:
    text, found = format_text(
        '<a href="https://example.org/a?b=1&amp;c=2">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> '
        "<blockquote expandable>q</blockquote> <a href='tg://user?id=42'>u</a>",
        "html",
        None,
    )
    assert text == "site x = 1 s t q u"
    by_type = {e["type"]: e for e in found}
    assert by_type["text_link"]["url"] == "https://example.org/a?b=1&c=2"
    assert by_type["pre"] == {"type": "pre", "offset": 5, "length": 5, "language": "python"}
    assert "code" not in by_type
    assert by_type["expandable_blockquote"]["offset"] == 15
    assert by_type["text_mention"]["user"]["id"] == 42
    assert [e["type"] for e in found].count("spoiler") == 2


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a <br/> b", 'Unsupported start tag "br/" at byte offset 2'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é<b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_invalid_html_is_rejected_like_telegram(html: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(html)
    assert str(info.value) == message
    with pytest.raises(ApiError) as api_info:
        format_text(html, "HTML", None)
    assert api_info.value.description == f"Bad Request: can't parse entities: {message}"


def test_bare_ampersand_and_unknown_entity_stay_literal_as_in_tdlib() -> None:
    assert format_text("Tom & Jerry &nbsp; &#65;&#x42;", "HTML", None)[0] == (
        "Tom & Jerry &nbsp; AB"
    )


def test_text_is_trimmed_and_entities_follow() -> None:
    text, found = format_text("  \n<b>hi</b> there  ", "HTML", None)
    assert text == "hi there"
    assert [(e["type"], e["offset"], e["length"]) for e in found] == [("bold", 0, 2)]


def test_length_limit_applies_after_entity_parsing() -> None:
    # 4096 visible characters plus markup is fine; one more visible character is not.
    assert len(format_text("<b>" + "a" * 4096 + "</b>", "HTML", None)[0]) == 4096
    with pytest.raises(ApiError, match="message is too long"):
        format_text("a" * 4097, None, None)
    with pytest.raises(ApiError, match="message caption is too long"):
        format_text("a" * 1025, None, None, caption=True)
    with pytest.raises(ApiError, match="message text is empty"):
        format_text("<b> </b>", "HTML", None)


def test_commands_mentions_hashtags_and_urls_are_detected() -> None:
    _text, found = format_text(
        "/report@sandbox_bot #fever @alice_w see https://x.org/a, mail a.b@example.com",
        None,
        None,
    )
    assert [e["type"] for e in found] == ["bot_command", "hashtag", "mention", "url", "email"]
    url = next(e for e in found if e["type"] == "url")
    assert url["length"] == len("https://x.org/a")


def test_explicit_entities_win_over_parse_mode() -> None:
    text, found = format_text("<b>x</b>", "HTML", [{"type": "italic", "offset": 0, "length": 3}])
    assert text == "<b>x</b>"
    assert found == [{"type": "italic", "offset": 0, "length": 3}]


def test_markdown_v2_entities_and_escapes() -> None:
    text, found = format_text(
        r"*体温* _高_ __u__ ~s~ ||sp|| `c` [链接](https://x.org/a\)b) 37\.5",
        "MarkdownV2",
        None,
    )
    assert text == "体温 高 u s sp c 链接 37.5"
    assert [(e["type"], e["offset"], e["length"]) for e in found] == [
        ("bold", 0, 2),
        ("italic", 3, 1),
        ("underline", 5, 1),
        ("strikethrough", 7, 1),
        ("spoiler", 9, 2),
        ("code", 12, 1),
        ("text_link", 14, 2),
    ]
    assert found[-1]["url"] == "https://x.org/a)b"
    text, found = format_text(
        "```python\nprint(1)\n```\n>quoted\n>lines\nafter", "MarkdownV2", None
    )
    assert text == "print(1)\n\nquoted\nlines\nafter"
    assert found[0] == {"type": "pre", "offset": 0, "length": 9, "language": "python"}
    assert (found[1]["type"], found[1]["offset"], found[1]["length"]) == ("blockquote", 10, 12)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("体温 37.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("a-b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of Bold entity at byte offset 0"),
        ("ok _it", "Can't find end of Italic entity at byte offset 3"),
    ],
)
def test_markdown_v2_rejects_unescaped_reserved_characters(source: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        format_text(source, "MarkdownV2", None)
    assert info.value.description == f"Bad Request: can't parse entities: {message}"


def test_legacy_markdown() -> None:
    text, found = format_text("*b* _i_ `c` [t](https://x.org) 1.5 (ok)", "Markdown", None)
    assert text == "b i c t 1.5 (ok)"
    assert [e["type"] for e in found] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 2"):
        format_text("a *b", "Markdown", None)
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)
