"""The one rule for where the emulator may listen or deliver: this machine only."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """Exactly 'localhost' or a loopback IP literal; a name like 'localhost.example.com' or
    '127.0.0.1.nip.io' can resolve anywhere, so names are not trusted by their prefix."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of(authority: str) -> str:
    """The host of 'host:port', '[v6]:port' or a bare host."""
    if authority.startswith("["):
        return authority.partition("]")[0] + "]"
    return authority.rpartition(":")[0] if authority.count(":") == 1 else authority


def same_machine_only(port: Callable[[], int]) -> Middleware:
    """Refuse requests addressed to another name (DNS rebinding) or sent by a page of another
    site (cross-site requests from a browser): the control API can act as anyone."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_loopback(_host_of(request.headers.get("Host", ""))):
            return web.json_response({"ok": False, "error": "Forbidden: host"}, status=403)
        # A browser marks every request, even an image or a link without an Origin header.
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return web.json_response({"ok": False, "error": "Forbidden: cross-site"}, status=403)
        origin = request.headers.get("Origin")
        if origin is not None:  # "null" too: sandboxed frames send it
            parts = urlsplit(origin)
            if not is_loopback(parts.hostname or "") or parts.port != port():
                return web.json_response({"ok": False, "error": "Forbidden: origin"}, status=403)
        return await handler(request)

    return check
