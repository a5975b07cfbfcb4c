"""Message text handling: parse modes, explicit entities, trimming, auto-detected entities.

Internally offsets are code points; the Bot API speaks UTF-16 code units, so conversion happens
only at the boundaries (:func:`entities_from_api` and :func:`format_text`'s result).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request
from .html_entities import Entity, EntityParseError, parse_html
from .markdown import parse_markdown, parse_markdown_v2

MAX_TEXT = 4096
MAX_CAPTION = 1024

JSONDict = dict[str, Any]
UserLookup = Callable[[int], JSONDict]

_FORMATTING = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
    }
)
KNOWN_TYPES = _FORMATTING | {
    "mention",
    "hashtag",
    "cashtag",
    "bot_command",
    "url",
    "email",
    "phone_number",
    "code",
    "pre",
    "text_link",
    "text_mention",
    "custom_emoji",
    "date_time",
}
_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", re.compile(r"(?<![\w@/])(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,:;!?)\]'}]")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    # tdlib skips commands touching '<' or '>' so that HTML-looking text is not a command.
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z]\w{2,31})?(?![\w/@<>])"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z]\w{3,31}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_prefix(text: str) -> list[int]:
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    return prefix


def entities_from_api(text: str, raw: Any) -> list[Entity]:
    """Explicit ``entities``/``caption_entities`` (UTF-16 offsets) to code-point entities."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    prefix = _utf16_prefix(text)
    to_cp = {u16: cp for cp, u16 in enumerate(prefix)}
    result: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse MessageEntity: MessageEntity must be an Object")
        kind = item.get("type")
        offset, length = item.get("offset"), item.get("length")
        if kind not in KNOWN_TYPES:
            raise bad_request(f"can't parse MessageEntity: unsupported entity type {kind!r}")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be a Number')
        start = to_cp.get(max(offset, 0))
        end = to_cp.get(min(offset + length, prefix[-1]))
        # Like tdlib, entities that do not fit the text are dropped rather than fatal.
        if start is None or end is None or end <= start:
            continue
        extra = {k: v for k, v in item.items() if k not in ("type", "offset", "length")}
        result.append(Entity(str(kind), start, end - start, extra))
    return result


def detect_entities(text: str, existing: list[Entity]) -> list[Entity]:
    """What Telegram finds by itself: commands, mentions, hashtags, URLs with a scheme, e-mails."""
    taken = [(e.offset, e.offset + e.length) for e in existing if e.type not in _FORMATTING]
    found: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append(Entity(kind, start, end - start))
    return found


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity.offset - lead, 0)
        end = min(entity.offset + entity.length - lead, len(stripped))
        if end > start:
            kept.append(Entity(entity.type, start, end - start, entity.extra))
    return stripped, kept


def to_api_entities(
    text: str, entities: list[Entity], user_lookup: UserLookup | None = None
) -> list[JSONDict]:
    prefix = _utf16_prefix(text)
    result: list[JSONDict] = []
    for entity in sorted(entities, key=lambda e: (e.offset, -e.length)):
        start = prefix[entity.offset]
        item: JSONDict = {
            "type": entity.type,
            "offset": start,
            "length": prefix[entity.offset + entity.length] - start,
        }
        extra = dict(entity.extra)
        if entity.type != "pre":
            extra.pop("language", None)
        if entity.type == "text_mention" and user_lookup is not None:
            extra["user"] = user_lookup(int(extra.get("user", {}).get("id", 0)))
        item.update(extra)
        result.append(item)
    return result


def format_text(
    text: Any,
    parse_mode: Any,
    raw_entities: Any,
    *,
    caption: bool = False,
    user_lookup: UserLookup | None = None,
) -> tuple[str, list[JSONDict]]:
    """Validate and normalise a text or caption exactly as sendMessage/sendDocument would."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = str(text)
    if raw_entities is not None:
        # Explicit entities win over parse_mode, as in the Bot API server.
        entities = entities_from_api(text, raw_entities)
    else:
        mode = str(parse_mode or "").lower()
        parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        if mode and mode not in parsers:
            raise bad_request("unsupported parse_mode")
        entities = []
        if mode:
            try:
                text, entities = parsers[mode](text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
    text, entities = _trim(text, entities)
    if not text and not caption:
        raise bad_request("message text is empty")
    if len(text) > (MAX_CAPTION if caption else MAX_TEXT):
        raise bad_request("message caption is too long" if caption else "message is too long")
    entities = entities + detect_entities(text, entities)
    return text, to_api_entities(text, entities, user_lookup)
