"""Column types that seal personal values on the way in and open them on the way out, so
repositories and services keep working with plain values (storage/crypto.py has the cipher).

A clear value written before encryption existed reads as it is: the migration that made these
columns cannot know the key, so old rows are sealed later, by the start-up step or by
`python -m bot keys rotate` (storage/rotation.py). Nothing is ever written in clear.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Dialect, Text, TypeDecorator

from storage.crypto import is_sealed, seal, unseal


class SealedJSON(TypeDecorator[Any]):
    """A JSON document, stored as a JSON string holding the envelope (the column stays JSON,
    so that existing databases need no type change)."""

    impl = JSON(none_as_null=True)
    cache_ok = True
    # As the plain JSON type does: a None is a value to bind, so that the ORM's bulk inserts
    # keep rows with and without it in one batch (outbox rows with and without a keyboard).
    should_evaluate_none = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else dumps_sealed(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if is_sealed(value):
            return json.loads(unseal(value))
        return value  # clear legacy value, or NULL


def dumps_sealed(value: Any) -> str:
    """A JSON document as one envelope (a SealedJSON column, the Redis FSM's dialog data)."""
    return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def loads_sealed(text: str) -> Any:
    """The document of `dumps_sealed`; a clear JSON text (written before) reads as it is."""
    return json.loads(unseal(text) if is_sealed(text) else text)


class SealedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(value.encode())

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and is_sealed(value):
            return unseal(value).decode()
        return value


class SealedBytes(TypeDecorator[bytes]):
    """Bytes (a photo or document in the outbox), sealed as text like the others: the envelope
    holds them encrypted and base64-encoded, so sealing, rotation and the clear-text scan
    treat this column as they treat the text ones."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(bytes(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if is_sealed(value):
            return unseal(value)
        return value.encode()  # pragma: no cover - the column was created sealed


class SealedFloat(TypeDecorator[float]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(repr(float(value)).encode())

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        if value is None:
            return None
        if is_sealed(value):
            return float(unseal(value))
        return float(value)
