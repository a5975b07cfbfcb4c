"""Message catalogs: per language a folder of TOML files (one per feature, `locales/<language>/`)
merged into one catalog; Fluent-style keys, HTML-safe formatting. A key defined in two files of
one language is an error, so features cannot silently override each other.

Values passed to `Translator.__call__` are HTML-escaped unless wrapped in `Html`, so user text
(names, titles, free answers) can never inject markup into a message sent with parse_mode=HTML.
"""

from __future__ import annotations

import html
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from domain.org import Language


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


class CatalogError(ValueError):
    pass


@cache
def catalog(language: Language) -> dict[str, str]:
    folder = resources.files("texts").joinpath("locales", language.value)
    files = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda i: i.name
    )
    merged: dict[str, str] = {}
    for item in files:
        where = f"{language.value}/{item.name}"
        for key, value in tomllib.loads(item.read_text("utf-8")).items():
            if not isinstance(value, str):
                raise CatalogError(f"{where}: {key!r} must be a string")
            if key in merged:
                raise CatalogError(f"{where}: {key!r} is already defined in another file")
            merged[key] = value
    return merged


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _escape(value: Any) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


@dataclass(frozen=True, slots=True)
class Translator:
    language: Language

    def __call__(self, key: str, /, **values: Any) -> str:
        template = catalog(self.language).get(key)
        if template is None:
            # A missing key is a bug, but the user should still get something readable.
            template = catalog(Language.ZH_CN).get(key, key)
        return template.format_map({name: _escape(value) for name, value in values.items()})

    def html(self, key: str, /, **values: Any) -> Html:
        return Html(self(key, **values))


def render(language: Language, key: str, /, **values: Any) -> str:
    """One catalog message in `language`: what lower layers are given to write theirs."""
    return Translator(language)(key, **values)


def translator(language: Language) -> Translator:
    return Translator(language)
