"""Updates as they arrive, before aiogram or the database sees them.

Two things are settled here, once, at the edge (polling responses and webhook requests alike):

- Control characters are removed from every string a person can send (texts, captions, names,
  file names, callback data). PostgreSQL refuses U+0000 in text, and no answer to any question
  of the bot needs one. Entity offsets behind a removed character are moved back, so commands,
  mentions and formatting keep pointing at the same words.
- An update the pinned aiogram cannot read (Telegram added or changed a field) is reduced to
  its bare id: polling can then confirm it and carry on, instead of failing on the same batch
  forever. Only the id and the places that failed are logged, never the contents, which hold
  whatever residents typed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

logger = logging.getLogger(__name__)

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What a JSON text holding such a character contains: JSON escapes C0 as \u00XX, backspace
# and form feed also as \b and \f, and may carry DEL and C1 either raw or escaped. A body
# without any of these needs no walk (an escaped backslash before a b or f is a harmless hit).
_CONTROL_IN_JSON = re.compile(
    r"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\\[bf]|[\x7f-\x9f]"
)
# The string fields and the entities that count UTF-16 offsets into them.
_ENTITY_FIELDS = (
    ("text", "entities"),
    ("text", "text_entities"),  # poll options, games, checklist tasks
    ("caption", "caption_entities"),
    ("question", "question_entities"),
    ("explanation", "explanation_entities"),
)
# Shown instead of pydantic's messages, which quote the input.
_MOST_PROBLEMS_LOGGED = 5


def may_hold_controls(body: str) -> bool:
    """Cheap test on a raw JSON body: False means no string in it has a control character."""
    return _CONTROL_IN_JSON.search(body) is not None


def strip_controls(value: Any) -> Any:
    """`value` (decoded JSON) with control characters removed from every string in it."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, list):
        return [strip_controls(item) for item in value]
    if isinstance(value, dict):
        return _strip_object(value)
    return value


def _strip_object(obj: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: strip_controls(item) for key, item in obj.items()}
    for field, entities_field in _ENTITY_FIELDS:
        text, entities = obj.get(field), cleaned.get(entities_field)
        if isinstance(text, str) and isinstance(entities, list) and _CONTROL.search(text):
            cleaned[entities_field] = _shift_entities(text, entities)
    return cleaned


def _shift_entities(text: str, entities: list[Any]) -> list[Any]:
    """Entities of `text` re-pointed into the text without its control characters.

    Offsets are in UTF-16 code units; every removed character is a single unit (all are below
    U+0100), so each removed one moves what follows back by one.
    """
    removed: list[int] = []  # UTF-16 offsets of the removed characters, ascending
    position = 0
    for char in text:
        if _CONTROL.match(char):
            removed.append(position)
        position += 2 if ord(char) > 0xFFFF else 1

    def moved(offset: int) -> int:
        return offset - sum(1 for at in removed if at < offset)

    shifted: list[Any] = []
    for entity in entities:
        if not isinstance(entity, dict):
            shifted.append(entity)
            continue
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            shifted.append(entity)  # malformed: aiogram's validation will say so
            continue
        start, end = moved(offset), moved(offset + length)
        if end > start:  # an entity that covered only removed characters is gone with them
            shifted.append({**entity, "offset": start, "length": end - start})
    return shifted


def read_update(raw: Any, bot: Bot, *, clean: bool = True) -> Update | None:
    """The update as aiogram's type, with its strings cleaned; None when it cannot be read.

    `clean=False` when the body it came in is known to hold no control character
    (`may_hold_controls`): walking every update would cost for nothing.

    An unreadable update with an id comes back as a bare `Update(update_id=...)` that carries
    no event, so polling still confirms it; the dispatcher skips updates without an event
    (bot/middlewares.py). Without even an id there is nothing to confirm: None.
    """
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    try:
        return Update.model_validate(strip_controls(raw) if clean else raw, context={"bot": bot})
    except ValidationError as error:
        logger.warning("update %s cannot be read and is skipped: %s", update_id, problems(error))
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return Update(update_id=update_id)
    return None


def problems(error: ValidationError) -> str:
    """Where and how validation failed, without the values (they are people's messages)."""
    found = error.errors(include_url=False, include_context=False, include_input=False)
    described = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(root)'}: {problem['type']}"
        for problem in found[:_MOST_PROBLEMS_LOGGED]
    ]
    if len(found) > _MOST_PROBLEMS_LOGGED:
        described.append(f"and {len(found) - _MOST_PROBLEMS_LOGGED} more")
    return "; ".join(described)
