"""Uploaded files: storage, Telegram-like identifiers and image dimensions."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from typing import Literal
from urllib.parse import quote

from .errors import ApiError, bad_request
from .params import Upload
from .state import FileRec, World

# Thumbnail boxes Telegram generates for photos (s, m, x, y), plus the 2560 px cap.
_PHOTO_BOXES = (90, 320, 800, 1280)
_PHOTO_MAX = 2560
_PREFIX = {"document": "BQACAgIAAxkBAAI", "photo": "AgACAgIAAxkBAAI"}


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(
                data[27:30], "little"
            )
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _new_file(
    world: World,
    kind: Literal["document", "photo"],
    data: bytes,
    *,
    unique_id: str,
    file_name: str | None = None,
    mime_type: str | None = None,
    size: tuple[int, int] | None = None,
) -> FileRec:
    number = next(world.file_counter)
    # Telegram's download paths look like documents/file_3.pdf and photos/file_4.jpg.
    if kind == "document":
        suffix = file_name.rpartition(".")[2] if file_name and "." in file_name else "bin"
        path = f"documents/file_{number}.{suffix}"
    else:
        path = f"photos/file_{number}.jpg"
    rec = FileRec(
        file_id=_PREFIX[kind] + secrets.token_urlsafe(48),
        file_unique_id=unique_id,
        kind=kind,
        file_path=path,
        data=data,
        file_name=file_name,
        mime_type=mime_type,
        width=size[0] if size else None,
        height=size[1] if size else None,
    )
    world.files[rec.file_id] = rec
    world.file_paths[rec.file_path] = rec.file_id
    return rec


def store_document(world: World, upload: Upload) -> FileRec:
    if not upload.data:
        raise bad_request("file must be non-empty")
    mime = upload.content_type
    if mime in ("", "application/octet-stream"):
        mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    unique = "AgAD" + secrets.token_urlsafe(12)
    return _new_file(
        world, "document", upload.data, unique_id=unique, file_name=upload.filename, mime_type=mime
    )


def store_photo(world: World, data: bytes) -> list[FileRec]:
    if not data:
        raise bad_request("file must be non-empty")
    size = image_size(data)
    if size is None or min(size) <= 0:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    longest = max(width, height)
    sizes: list[tuple[int, int]] = [
        (max(1, width * box // longest), max(1, height * box // longest))
        for box in _PHOTO_BOXES
        if longest > box
    ]
    scale = min(1.0, _PHOTO_MAX / longest)
    sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    return [
        _new_file(world, "photo", data, unique_id="AQAD" + secrets.token_urlsafe(12), size=dims)
        for dims in sizes
    ]


def existing_file(world: World, value: str, kind: Literal["document", "photo"]) -> FileRec:
    """A file_id given instead of an upload; URLs cannot be fetched inside the sandbox."""
    if value.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    rec = world.files.get(value)
    if rec is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if rec.kind != kind:
        raise bad_request(f"can't use file of type {rec.kind.capitalize()} as {kind.capitalize()}")
    return rec


def file_by_id(world: World, file_id: str | None) -> FileRec:
    rec = world.files.get(file_id or "")
    if rec is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    return rec


def guess_type(file: FileRec) -> str:
    """The file's content type: from its name, or from its bytes for a photo."""
    if file.file_name:
        guessed, _ = mimetypes.guess_type(file.file_name)
        if guessed:
            return guessed
    if file.kind == "photo":
        return "image/jpeg" if file.data.startswith(b"\xff\xd8") else "image/png"
    return "application/octet-stream"


def content_disposition(file_name: str) -> str:
    """An attachment header that keeps a non-ASCII name (RFC 6266 / 5987)."""
    fallback = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
