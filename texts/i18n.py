"""Message catalogs: per language a folder of TOML files (one per feature, `locales/<language>/`)
merged into one catalog; Fluent-style keys, HTML-safe formatting. A key defined in two files of
one language is an error, so features cannot silently override each other.

Values passed to `Translator.__call__` are HTML-escaped unless wrapped in `Html`, so user text
(names, titles, free answers) can never inject markup into a message sent with parse_mode=HTML.

Plural forms: a word that agrees with a count is written as a plural spec on the count's
placeholder, `{n:dose|doses}`, which writes the form of n's CLDR plural category. The forms
come in the order of the language's categories (`PLURAL_CATEGORIES`: English one|other,
Chinese other only, so Chinese texts need none); the number itself is its own placeholder:
"{n} {n:dose|doses}". Any whole number can select (an int, or its digits as text: refusal
parameters are text), so one message can agree with several counts:
"{expected} {expected:unit owes|units owe} a report: … {zero} zero {zero:report|reports}". The
loader refuses a spec with the wrong number of forms.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Final, TypeVar

from domain.org import Language

# CLDR plural categories of whole numbers, in the order a plural spec lists its forms.
PLURAL_CATEGORIES: Final = {Language.ZH_CN: ("other",), Language.EN: ("one", "other")}
PLURAL_SEPARATOR: Final = "|"


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
            check_plurals(language, value, f"{where}: {key!r}")
            merged[key] = value
    return merged


def plural_category(language: Language, count: int) -> str:
    """CLDR's rule for whole numbers: English "one" is 1 alone; Chinese has only "other"."""
    return "one" if language is Language.EN and count == 1 else "other"


def check_plurals(language: Language, template: str, where: str) -> None:
    """A plural spec must give one form per category of the language (else a form would be
    picked by the wrong category, or not exist)."""
    wanted = len(PLURAL_CATEGORIES[language])
    for _, field, spec, _ in string.Formatter().parse(template):
        if field and spec and PLURAL_SEPARATOR in spec:
            forms = spec.split(PLURAL_SEPARATOR)
            if len(forms) != wanted:
                raise CatalogError(
                    f"{where}: {{{field}:{spec}}} has {len(forms)} plural forms, "
                    f"{language.value} needs {wanted} ({'|'.join(PLURAL_CATEGORIES[language])})"
                )


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@dataclass(frozen=True, slots=True)
class _Count:
    """A whole-number placeholder value: written as the number, or with a plural spec as the
    form of its plural category."""

    value: int
    language: Language

    def __format__(self, spec: str) -> str:
        if PLURAL_SEPARATOR not in spec:
            return format(self.value, spec)
        category = plural_category(self.language, self.value)
        return spec.split(PLURAL_SEPARATOR)[PLURAL_CATEGORIES[self.language].index(category)]


def _count(value: Any) -> int | None:
    """The whole number a value is written as, if any (its text does not change)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and str(int(value)) == value:
        return int(value)
    return None


def _escape(value: Any, language: Language) -> Any:
    count = _count(value)
    if count is not None:
        return _Count(count, language)  # digits need no escaping
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
        return template.format_map(
            {name: _escape(value, self.language) for name, value in values.items()}
        )

    def html(self, key: str, /, **values: Any) -> Html:
        return Html(self(key, **values))


def render(language: Language, key: str, /, **values: Any) -> str:
    """One catalog message in `language`: what lower layers are given to write theirs."""
    return Translator(language)(key, **values)


E = TypeVar("E", bound=StrEnum)


def named_by(word: str, values: Iterable[E], key: Callable[[E], str]) -> E | None:
    """The value a typed word names: its code, or one of its names in any language (the
    catalog text of `key(value)`, several names separated by "/"), case aside."""
    wanted = word.strip().casefold()
    for value in values:
        names = {value.value} | {
            name for language in Language for name in render(language, key(value)).split("/")
        }
        if wanted in {name.strip().casefold() for name in names}:
            return value
    return None


def translator(language: Language) -> Translator:
    return Translator(language)
