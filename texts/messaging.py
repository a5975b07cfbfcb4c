"""Sending text that may exceed Telegram's 4096-character limit without breaking its HTML."""

from __future__ import annotations

import re
from typing import Any

from aiogram.types import Message

TELEGRAM_TEXT_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[^<&\n]+|\n|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z-]+)")


def shorten(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_html(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split at line breaks where possible; tags open across a cut are closed and reopened.

    The raw HTML is never shorter than the text Telegram counts, so measuring the raw length
    keeps every part within the limit.
    """
    parts: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, the opening tag as written)
    current = ""
    # Where the current part last ended a line, and which tags were open there.
    line_end: tuple[int, list[tuple[str, str]]] | None = None

    tags_at_start: list[tuple[str, str]] = []  # reopened at the start of the current part

    def cut(at: int, tags: list[tuple[str, str]]) -> None:
        nonlocal current, line_end, tags_at_start
        head, rest = current[:at], current[at:]
        if head != _opening(tags_at_start):
            parts.append(head + _closing(tags))
        current = _opening(tags) + rest
        tags_at_start = list(tags)
        line_end = None

    def fits(piece: str, after: list[tuple[str, str]]) -> bool:
        return len(current) + len(piece) + len(_closing(after)) <= limit

    for piece, atomic in _pieces(text):
        after = _apply_tag(open_tags, piece) if atomic else open_tags
        if not fits(piece, after) and line_end is not None:
            cut(*line_end)
        if not fits(piece, after) and current != _opening(tags_at_start):
            cut(len(current), open_tags)
        if atomic and not fits(piece, after):
            raise ValueError(f"cannot split HTML nested deeper than {limit} characters")
        # Only text can be longer than a whole message; tags and entities are never cut.
        while not fits(piece, after):
            room = limit - len(current) - len(_closing(open_tags))
            if room <= 0:
                raise ValueError(f"cannot split HTML nested deeper than {limit} characters")
            current += piece[:room]
            piece = piece[room:]
            cut(len(current), open_tags)
        current += piece
        open_tags = after
        if piece.endswith("\n"):
            line_end = (len(current), list(open_tags))
    if current != _opening(tags_at_start) or not parts:
        parts.append(current + _closing(open_tags))
    return parts


def _closing(tags: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(tags))


def _opening(tags: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in tags)


def _apply_tag(open_tags: list[tuple[str, str]], piece: str) -> list[tuple[str, str]]:
    """The stack of open tags after this piece."""
    match = _TAG.match(piece) if piece.startswith("<") else None
    if not match or piece.endswith("/>"):
        return open_tags
    name = match.group(2).lower()
    if not match.group(1):
        return [*open_tags, (name, piece)]
    for index in range(len(open_tags) - 1, -1, -1):
        if open_tags[index][0] == name:
            return open_tags[:index] + open_tags[index + 1 :]
    return open_tags


def _pieces(text: str) -> list[tuple[str, bool]]:
    """Lines (with their newline) as text, and tags and entities as atomic pieces."""
    pieces: list[tuple[str, bool]] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.startswith(("<", "&")) and len(token) > 1:
            if line:
                pieces.append((line, False))
                line = ""
            pieces.append((token, True))
        else:
            line += token
            if token == "\n":
                pieces.append((line, False))
                line = ""
    if line:
        pieces.append((line, False))
    return pieces


async def answer_long(message: Message, text: str, **kwargs: Any) -> list[Message]:
    """Answer with as many messages as needed; keyboards go on the last one only."""
    markup = kwargs.pop("reply_markup", None)
    chunks = split_html(text)
    sent = []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent.append(await message.answer(chunk, reply_markup=markup if last else None, **kwargs))
    return sent
