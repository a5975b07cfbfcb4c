"""Telegram's ``MarkdownV2`` and legacy ``Markdown`` parse modes (ports of tdlib's parsers).

MarkdownV2 is strict: every reserved character outside an entity marker must be escaped, which
is the usual way bots break in production, so the emulator enforces it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .html_entities import Entity, EntityParseError, link_entity

_RESERVED = "_*[]()~`>#+-=|{}.!"
_SPACE = " \t\r\n\v"
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
}


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _at(src: str, index: int) -> str:
    return src[index] if index < len(src) else ""


@dataclass
class _Open:
    type: str
    offset: int  # in the output, code points
    byte_offset: int
    language: str = ""


def _skip_pre_newline(src: str, i: int) -> int:
    if _at(src, i) in ("\n", "\r"):
        if _at(src, i + 1) in ("\n", "\r") and src[i] != src[i + 1]:
            return i + 2
        return i + 1
    return i


def _pre_language(src: str, i: int) -> tuple[int, str]:
    end = i
    while end < len(src) and src[end] not in _SPACE and src[end] != "`":
        end += 1
    if end != i and end < len(src) and src[end] != "`":
        return end, src[i:end]
    return i, ""


def _ends(entity: _Open, src: str, i: int) -> bool:
    char = src[i]
    kind = entity.type
    if kind == "bold":
        return char == "*"
    if kind == "italic":
        return char == "_" and _at(src, i + 1) != "_"
    if kind == "code":
        return char == "`"
    if kind == "pre":
        return src.startswith("```", i)
    if kind in ("text_link", "custom_emoji"):
        return char == "]"
    if kind == "underline":
        return src.startswith("__", i)
    if kind == "strikethrough":
        return char == "~"
    return kind == "spoiler" and src.startswith("||", i)


def parse_markdown_v2(src: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    stack: list[_Open] = []
    entities: list[Entity] = []
    quote_start: int | None = None
    i = 0
    while i < len(src):
        char = src[i]
        line_start = i == 0 or src[i - 1] == "\n"
        if line_start and quote_start is not None and char != ">":
            _quote(entities, quote_start, out)
            quote_start = None
        if char == "\\" and 0 < ord(_at(src, i + 1) or "\0") <= 126:
            out.append(src[i + 1])
            i += 2
            continue
        if line_start and char == ">" and not stack:
            if quote_start is None:
                quote_start = len(out)
            i += 1
            continue
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        if char not in ("`" if in_code else _RESERVED):
            out.append(char)
            i += 1
            continue
        if stack and _ends(stack[-1], src, i):
            i = _close(src, i, stack.pop(), out, entities)
            continue
        i = _open(src, i, stack, len(out))
    if stack:
        name = _TYPE_NAMES[stack[-1].type] + ("Code" if stack[-1].language else "")
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset {stack[-1].byte_offset}"
        )
    if quote_start is not None:
        _quote(entities, quote_start, out)
    return "".join(out), entities


def _quote(entities: list[Entity], start: int, out: list[str]) -> None:
    # The newline that ends the last quoted line is not part of the quote.
    end = len(out) - 1 if out and out[-1] == "\n" else len(out)
    if end > start:
        entities.append(Entity("blockquote", start, end - start))


def _open(src: str, i: int, stack: list[_Open], offset: int) -> int:
    char = src[i]
    entity = _Open("", offset, _byte_offset(src, i))
    if char == "_":
        entity.type = "underline" if _at(src, i + 1) == "_" else "italic"
        i += 2 if entity.type == "underline" else 1
    elif char in "*~[":
        entity.type = {"*": "bold", "~": "strikethrough", "[": "text_link"}[char]
        i += 1
    elif char == "|" and _at(src, i + 1) == "|":
        entity.type = "spoiler"
        i += 2
    elif char == "`" and src.startswith("```", i):
        entity.type = "pre"
        i, entity.language = _pre_language(src, i + 3)
        i = _skip_pre_newline(src, i)
    elif char == "`":
        entity.type = "code"
        i += 1
    elif char == "!" and _at(src, i + 1) == "[":
        entity.type = "custom_emoji"
        i += 2
    else:
        raise EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
    stack.append(entity)
    return i


def _close(src: str, i: int, entity: _Open, out: list[str], entities: list[Entity]) -> int:
    extra: dict[str, Any] = {}
    kind = entity.type
    i += {"underline": 2, "spoiler": 2, "pre": 3}.get(kind, 1)
    if kind in ("text_link", "custom_emoji"):
        target = "".join(out[entity.offset :])
        if _at(src, i) == "(":
            i += 1
            url_begin = i
            chars: list[str] = []
            while i < len(src) and src[i] != ")":
                if src[i] == "\\" and 0 < ord(_at(src, i + 1) or "\0") <= 126:
                    chars.append(src[i + 1])
                    i += 2
                    continue
                chars.append(src[i])
                i += 1
            if i >= len(src):
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(src, url_begin)}"
                )
            i += 1
            target = "".join(chars)
        if kind == "custom_emoji":
            emoji_id = target.removeprefix("tg://emoji?id=")
            if not emoji_id.isdigit():
                raise EntityParseError("Custom emoji URL must have an emoji identifier")
            extra["custom_emoji_id"] = emoji_id
        else:
            link = link_entity(target)
            if link is None:
                return i
            kind, extra = link
    if kind == "pre" and entity.language:
        extra["language"] = entity.language
    length = len(out) - entity.offset
    if length > 0:
        entities.append(Entity(kind, entity.offset, length, extra))
    return i


def parse_markdown(src: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no reserved chars."""
    out: list[str] = []
    entities: list[Entity] = []
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and _at(src, i + 1) in ("_", "*", "`", "["):
            out.append(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            i += 1
            continue
        begin = i
        end_char = "]" if char == "[" else char
        i += 1
        is_pre = char == "`" and src.startswith("``", i)
        language = ""
        if is_pre:
            i, language = _pre_language(src, i + 2)
            i = _skip_pre_newline(src, i)
        start = len(out)
        while i < len(src) and (src[i] != end_char or (is_pre and not src.startswith("``", i + 1))):
            out.append(src[i])
            i += 1
        if i >= len(src):
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(src, begin)}"
            )
        i += 3 if is_pre else 1
        extra: dict[str, Any] = {}
        kind = {"_": "italic", "*": "bold", "`": "pre" if is_pre else "code"}.get(char, "")
        if char == "[":
            url = "".join(out[start:])
            if _at(src, i) == "(":
                close = src.find(")", i)
                if close < 0:
                    raise EntityParseError(
                        "Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(src, begin)}"
                    )
                url, i = src[i + 1 : close], close + 1
            link = link_entity(url)
            if link is None:
                continue
            kind, extra = link
        if is_pre and language:
            extra["language"] = language
        if len(out) > start:
            entities.append(Entity(kind, start, len(out) - start, extra))
    return "".join(out), entities
