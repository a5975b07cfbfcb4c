"""Personal fields at rest: AES-256-GCM envelopes that name their key, and a blind index.

A sealed value is the text `v1:<kid>:<base64(nonce | ciphertext+tag)>`: the key id travels
with the value, so rows sealed under an old key stay readable while `keys rotate` moves them
to the current one. The key ring lives outside the repository (a key file or an environment
variable, loaded by the composition root) and is installed here once per process, because
SQLAlchemy's column types (storage/sealed.py) see only the value, never the caller.

The blind index (HMAC-SHA256 of a normalised phone) uses its own secret, kept beside the keys
but never rotated with them: an index that changed with every rotation would have to be
recomputed from plaintext and could not de-duplicate across the rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_VERSION = "v1"
KEY_ID_HEX = 8  # a key id is 8 hex digits, so an envelope's prefix has a fixed length
ENVELOPE_PREFIX_LENGTH = len(ENVELOPE_VERSION) + 1 + KEY_ID_HEX + 1  # "v1:0a1b2c3d:"
_NONCE = 12
_KEY_BYTES = 32
_ENVELOPE = re.compile(rf"^{ENVELOPE_VERSION}:([0-9a-f]{{{KEY_ID_HEX}}}):")
_INDEX_INFO = b"fangkong-bot blind index v1"
# How often a ring loaded from a file looks at the file again: another process (`keys
# rotate`) may have added a key, which this one must then write with too.
_RELOAD_EVERY_S = 1.0


class KeyRingError(RuntimeError):
    """A key that is needed is missing, or the key material is unusable."""


def key_id_of(stored: str) -> str | None:
    """The key id an envelope names; None for anything else (a clear legacy value)."""
    found = _ENVELOPE.match(stored)
    return found.group(1) if found else None


def is_sealed(stored: object) -> bool:
    return isinstance(stored, str) and _ENVELOPE.match(stored) is not None


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, the one new values are sealed with, and the blind-index secret."""

    keys: Mapping[str, bytes]
    current: str
    index_secret: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)
    _index_key: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyRingError(f"the current key {self.current} is not in the key ring")
        for kid, key in self.keys.items():
            if not re.fullmatch(rf"[0-9a-f]{{{KEY_ID_HEX}}}", kid):
                raise KeyRingError(f"key id {kid!r}: expected {KEY_ID_HEX} hex digits")
            if len(key) != _KEY_BYTES:
                raise KeyRingError(f"key {kid}: expected {_KEY_BYTES} bytes, got {len(key)}")
        if len(self.index_secret) < _KEY_BYTES:
            raise KeyRingError(f"index secret: expected at least {_KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> KeyRing:
        kid = secrets.token_hex(KEY_ID_HEX // 2)
        return cls({kid: AESGCM.generate_key(bit_length=256)}, kid, os.urandom(_KEY_BYTES))

    def with_new_key(self) -> KeyRing:
        """The same ring with a fresh current key; the old keys stay for reading."""
        kid = secrets.token_hex(KEY_ID_HEX // 2)
        while kid in self.keys:
            kid = secrets.token_hex(KEY_ID_HEX // 2)
        keys = {**self.keys, kid: AESGCM.generate_key(bit_length=256)}
        return KeyRing(keys, kid, self.index_secret)

    # --- serialisation: the key file and the environment variable hold the same JSON ------

    def to_json(self) -> str:
        encode = _b64
        return json.dumps(
            {
                "format": 1,
                "current": self.current,
                "keys": {kid: encode(key) for kid, key in sorted(self.keys.items())},
                "index_secret": encode(self.index_secret),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, origin: str) -> KeyRing:
        try:
            data = json.loads(text)
            keys = {str(kid): _unb64(value) for kid, value in data["keys"].items()}
            return cls(keys, str(data["current"]), _unb64(data["index_secret"]))
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            problem = type(error).__name__
            raise KeyRingError(f"{origin}: not a usable key ring ({problem})") from None
        except KeyRingError as error:
            raise KeyRingError(f"{origin}: {error}") from None

    # --- sealing -----------------------------------------------------------------------------

    def _cipher(self, kid: str) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            key = self.keys.get(kid)
            if key is None:
                raise KeyRingError(f"no key with id {kid} in the key ring")
            cipher = self._ciphers[kid] = AESGCM(key)
        return cipher

    def seal(self, plain: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._cipher(self.current).encrypt(nonce, plain, None)
        return f"{ENVELOPE_VERSION}:{self.current}:{_b64(nonce + sealed)}"

    def open(self, envelope: str) -> bytes:
        kid = key_id_of(envelope)
        if kid is None:
            raise KeyRingError("not a sealed value")
        try:
            raw = base64.b64decode(envelope[ENVELOPE_PREFIX_LENGTH:], validate=True)
            return self._cipher(kid).decrypt(raw[:_NONCE], raw[_NONCE:], None)
        except (InvalidTag, binascii.Error, ValueError):
            # Never the value itself: the message may reach a log.
            raise KeyRingError(f"a value sealed with key {kid} does not decrypt") from None

    def blind_index(self, value: str) -> str:
        key = self._derived_index_key()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def _derived_index_key(self) -> bytes:
        # Derived rather than used as is: the stored secret never keys anything directly.
        key = self._index_key.get("key")
        if key is None:
            key = self._index_key["key"] = HKDF(
                algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=_INDEX_INFO
            ).derive(self.index_secret)
        return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text, validate=True)


def phone_index_value(phone: str) -> str | None:
    """The normalised form of a phone the blind index is taken of: its digits, without a
    leading +86, so that `139 1234 5678` and `+86 13912345678` find each other."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits or None


# --- the process's key ring --------------------------------------------------------------


class _Installed:
    def __init__(self) -> None:
        self.ring: KeyRing | None = None
        self.path: Path | None = None
        self.mtime: float | None = None
        self.checked = 0.0
        self.lock = threading.Lock()


_installed = _Installed()


def install_keyring(ring: KeyRing | None, path: Path | None = None) -> None:
    """Use `ring` for every sealed column of this process; `path`, when the ring came from a
    key file, is read again when it changes (see _RELOAD_EVERY_S)."""
    with _installed.lock:
        _installed.ring = ring
        _installed.path = path
        _installed.mtime = _mtime(path)
        _installed.checked = time.monotonic()


def installed_keyring() -> KeyRing | None:
    return _installed.ring


def keyring(*, reload: bool = False) -> KeyRing:
    """The installed ring, refreshed from its file when that changed; `reload` forces a look
    (a value names a key id the ring does not know: `keys rotate` may just have added it)."""
    state = _installed
    if state.path is not None and (reload or time.monotonic() - state.checked >= _RELOAD_EVERY_S):
        with state.lock:
            state.checked = time.monotonic()
            mtime = _mtime(state.path)
            if mtime is not None and mtime != state.mtime:
                state.ring = KeyRing.from_json(state.path.read_text("utf-8"), str(state.path))
                state.mtime = mtime
    if state.ring is None:
        raise KeyRingError(
            "no encryption key is configured: set [privacy] key_file or the environment "
            "variable named by [privacy] key_env (see the README's Privacy section)"
        )
    return state.ring


def seal(plain: bytes) -> str:
    return keyring().seal(plain)


def unseal(envelope: str) -> bytes:
    ring = keyring()
    kid = key_id_of(envelope)
    if kid is not None and kid not in ring.keys:
        ring = keyring(reload=True)
        if kid not in ring.keys:
            raise KeyRingError(
                f"the database holds values sealed with key {kid}, which is "
                "not in the configured key ring"
            )
    return ring.open(envelope)


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns / 1e9
    except OSError:
        return None


def phone_index(phone: str | None) -> str | None:
    """The blind index of a declared phone (None without one), with the installed ring."""
    value = phone_index_value(phone) if phone else None
    return None if value is None else keyring().blind_index(value)


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Atomically, readable by the owner only: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(ring.to_json())
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
