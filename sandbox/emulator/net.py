"""The one rule for where the emulator may listen or deliver: this machine only."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Exactly 'localhost' or a loopback IP literal; a name like 'localhost.example.com' or
    '127.0.0.1.nip.io' can resolve anywhere, so names are not trusted by their prefix."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
