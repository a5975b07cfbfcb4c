"""Telegram's ``parse_mode=HTML``: a port of tdlib's ``parse_html`` rules.

The result is plain text plus entities whose offsets are in code points; :mod:`.text` converts
them to UTF-16 code units (what the Bot API uses) after trimming. Error strings and byte offsets
(UTF-8) match what Telegram answers after ``Bad Request: can't parse entities:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# tdlib's is_space(): note that '\f' is not a space there.
_SPACE = frozenset(" \t\r\n\v")
_SUPPORTED = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler"}
    | {"tg-emoji", "span", "pre", "code", "blockquote"}
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text after ``can't parse entities: `` in Telegram's answer."""


class HtmlParseError(EntityParseError):
    pass


@dataclass
class Entity:
    """An entity with offsets in code points (converted to UTF-16 only at the end)."""

    type: str
    offset: int
    length: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Open:
    tag: str
    offset: int
    argument: str = ""
    expandable: bool = False


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``src[pos] == '&'``; None leaves '&' literal."""
    n = len(src)
    end = pos + 1
    if end < n and src[end] == "#":
        end += 1
        hexadecimal = end < n and src[end] == "x"
        if hexadecimal:
            end += 1
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        value = 0
        while end < n and src[end] in digits:
            value = value * (16 if hexadecimal else 10) + int(src[end], 16)
            end += 1
            if value >= 0x10FFFF:
                return None
        if value == 0 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        named = _NAMED.get(src[pos + 1 : end])
        if named is None:
            return None
        char = named
    # tdlib tolerates a missing ';'.
    if end < n and src[end] == ";":
        end += 1
    return char, end


def parse_html(src: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0
    stack: list[_Open] = []
    entities: list[Entity] = []
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_entity(src, i)
            if decoded is not None:
                out.append(decoded[0])
                length += 1
                i = decoded[1]
                continue
        if char != "<":
            out.append(char)
            length += 1
            i += 1
            continue
        begin = i
        i += 1
        if i >= n or src[i] != "/":
            i, opened = _parse_start_tag(src, begin, i)
            opened.offset = length
            stack.append(opened)
            continue
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
        i += 1
        name_begin = i
        while i < n and src[i] not in _SPACE and src[i] != ">":
            i += 1
        end_name = src[name_begin:i].lower()
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n or src[i] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
        i += 1
        opened = stack.pop()
        if end_name and end_name != opened.tag:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        _close(opened, "".join(out), length, entities)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return "".join(out), entities


def _parse_start_tag(src: str, begin: int, i: int) -> tuple[int, _Open]:
    n = len(src)
    unclosed = HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
    name_begin = i
    while i < n and src[i] not in _SPACE and src[i] != ">":
        i += 1
    if i >= n:
        raise unclosed
    tag = src[name_begin:i].lower()
    if tag not in _SUPPORTED:
        raise HtmlParseError(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}'
        )
    opened = _Open(tag, 0)
    while True:
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise unclosed
        if src[i] == ">":
            break
        attr_begin = i
        while i < n and src[i] not in _SPACE and src[i] not in "=>":
            i += 1
        attribute = src[attr_begin:i].lower()
        if not attribute:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise unclosed
        if src[i] != "=":
            if tag == "blockquote" and attribute == "expandable":
                opened.expandable = True
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(src, begin)}"
            )
        i += 1
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise unclosed
        i, value = _parse_attribute_value(src, i, unclosed)
        _apply_attribute(opened, attribute, value)
    i += 1
    if tag == "span" and opened.argument != "spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
        )
    if tag == "tg-emoji" and not opened.argument.isdigit():
        raise HtmlParseError("Invalid custom emoji identifier specified")
    return i, opened


def _parse_attribute_value(src: str, i: int, unclosed: HtmlParseError) -> tuple[int, str]:
    n = len(src)
    if src[i] not in "'\"":
        # An unquoted name token: letters, digits, periods and hyphens, case-insensitive.
        token_begin = i
        while i < n and ((src[i].isascii() and src[i].isalnum()) or src[i] in ".-"):
            i += 1
        if i >= n or (src[i] not in _SPACE and src[i] != ">"):
            raise HtmlParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(src, token_begin)}"
            )
        return i, src[token_begin:i].lower()
    quote = src[i]
    i += 1
    value: list[str] = []
    while i < n and src[i] != quote:
        if src[i] == "&":
            decoded = _decode_entity(src, i)
            if decoded is not None:
                value.append(decoded[0])
                i = decoded[1]
                continue
        value.append(src[i])
        i += 1
    if i < n:
        i += 1
    if i >= n:
        raise unclosed
    return i, "".join(value)


def _apply_attribute(opened: _Open, attribute: str, value: str) -> None:
    tag = opened.tag
    if (
        (tag == "a" and attribute == "href")
        or (tag == "tg-emoji" and attribute == "emoji-id")
        or (tag == "code" and attribute == "class" and value.startswith("language-"))
    ):
        opened.argument = value.removeprefix("language-") if tag == "code" else value
    elif tag == "span" and attribute == "class" and value.startswith("tg-"):
        opened.argument = value[3:]


def _close(opened: _Open, text: str, end: int, entities: list[Entity]) -> None:
    length = end - opened.offset
    if length <= 0:
        return
    tag = opened.tag
    if tag in _SIMPLE:
        language = {"language": opened.argument} if tag == "code" and opened.argument else {}
        entities.append(Entity(_SIMPLE[tag], opened.offset, length, language))
    elif tag == "pre":
        extra: dict[str, Any] = {}
        # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
        if entities and (
            entities[-1].type == "code"
            and entities[-1].offset == opened.offset
            and entities[-1].length == length
        ):
            inner = entities.pop()
            if "language" in inner.extra:
                extra["language"] = inner.extra["language"]
        entities.append(Entity("pre", opened.offset, length, extra))
    elif tag == "blockquote":
        kind = "expandable_blockquote" if opened.expandable else "blockquote"
        entities.append(Entity(kind, opened.offset, length))
    elif tag == "tg-emoji":
        entities.append(
            Entity("custom_emoji", opened.offset, length, {"custom_emoji_id": opened.argument})
        )
    elif tag == "a":
        url = opened.argument or text[opened.offset : end]
        link = link_entity(url)
        if link is not None:
            entities.append(Entity(link[0], opened.offset, length, link[1]))


def link_entity(url: str) -> tuple[str, dict[str, Any]] | None:
    lowered = url.lower()
    if lowered.startswith("tg://user?id="):
        user_id = url[len("tg://user?id=") :]
        if user_id.isdigit():
            return "text_mention", {"user": {"id": int(user_id)}}
        return None
    if any(ch in _SPACE for ch in url) or not url:
        return None
    if "://" not in url:
        if "." not in url:
            # tdlib drops links it cannot recognise instead of failing the whole message.
            return None
        url = "http://" + url
    return "text_link", {"url": url}
