"""Bot API request parameters, from a query string, a urlencoded or multipart form, or JSON.

Telegram treats every transport alike: in forms every value is a string and object-valued
fields are JSON text, in JSON bodies values keep their types. :class:`Params` accessors accept
both so the method handlers never care which transport was used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, MultipartReader, hdrs, web

from .errors import ApiError, bad_request

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        # Empty form fields mean "not given", which is what aiogram's omission of falsy values is.
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, *, required: ApiError | None = None) -> int | None:
        value = self.get(name)
        if value is None:
            if required is not None:
                raise required
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise bad_request(f'field "{name}" must be a valid Number') from exc

    def required_int(self, name: str, error: ApiError) -> int:
        value = self.integer(name, required=error)
        if value is None:
            raise error
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: str) -> Any:
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.get(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text

    def upload(self, name: str) -> Upload | str | None:
        """A file part, a file part referenced as ``attach://<name>``, or a file_id/URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.text(name)
        if value is not None and value.startswith("attach://"):
            attached = self.uploads.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value


async def read_multipart(
    reader: MultipartReader, values: dict[str, Any], uploads: dict[str, Upload]
) -> None:
    total = 0
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        data = bytes(await part.read(decode=True))
        total += len(data)
        if total > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if part.filename is not None:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            uploads[part.name] = Upload(part.filename, content_type, data)
        else:
            values[part.name] = data.decode("utf-8", errors="replace")


def _merge_json(values: dict[str, Any], raw: bytes) -> None:
    if not raw.strip():
        return
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("can't parse JSON object") from exc
    if not isinstance(body, dict):
        raise bad_request("JSON object expected")
    values.update(body)


async def read_request(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            _merge_json(values, await request.read())
        elif content_type.startswith("multipart/"):
            await read_multipart(await request.multipart(), values, uploads)
        elif content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            values.update({key: str(value) for key, value in form.items()})
    return Params(values, uploads)


async def read_client_body(content_type: str, body: MultipartReader | bytes) -> Params:
    """The same decoding for a webhook's answer (which may carry a method call)."""
    values: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    if isinstance(body, MultipartReader):
        await read_multipart(body, values, uploads)
    elif content_type == "application/json":
        _merge_json(values, body)
    elif content_type == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8", errors="replace")))
    return Params(values, uploads)
