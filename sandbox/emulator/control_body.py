"""Request/response plumbing of the control API: typed JSON bodies and the result envelope."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import ControlError

JSONDict = dict[str, Any]
Endpoint = Callable[[web.Request, "Body"], Awaitable[Any]]
_MISSING: Any = object()


class Body:
    """Typed access to a JSON request body (or the query string for GET)."""

    def __init__(self, data: JSONDict) -> None:
        self.data = data

    def _get(self, name: str, default: Any) -> Any:
        value = self.data.get(name, default)
        if value is _MISSING:
            raise ControlError(f"missing field {name!r}")
        return value

    def integer(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is None or value is default:
            return value
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ControlError(f"field {name!r} must be an integer") from exc

    def string(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        return value if value is None or value is default else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def bot(self) -> Any:
        """A bot reference: id, token or username; absent means the first bot."""
        value = self.data.get("bot")
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        return value


def wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            data: JSONDict = dict(request.query)
            if request.method in ("POST", "PUT", "DELETE") and request.body_exists:
                loaded = json.loads(await request.read() or b"{}")
                if not isinstance(loaded, dict):
                    raise ControlError("the body must be a JSON object")
                data.update(loaded)
            result = await endpoint(request, Body(data))
        except ControlError as exc:
            error: JSONDict = {"ok": False, "error": exc.message}
            if exc.code is not None:
                error["code"] = exc.code
            return web.json_response(error, status=exc.status)
        except json.JSONDecodeError as exc:
            return web.json_response({"ok": False, "error": f"bad JSON: {exc}"}, status=400)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response({"ok": True, "result": result})

    return handler
