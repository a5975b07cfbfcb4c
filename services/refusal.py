"""How a service says no: one exception carrying a message key and its values.

The service has audited the refusal by the time it raises; the caller renders the key in the
user's language and commits (the audit entry is part of the update's work).
"""

from __future__ import annotations


class Refused(Exception):
    """The action was refused; `key` is the message key saying why, `params` its values."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
