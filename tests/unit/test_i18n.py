import re

import pytest

from domain.commands import CATALOG
from domain.org import Language, Role
from texts.i18n import Html, Translator, catalog, placeholders

ROOT_KEYS = set(catalog(Language.ZH_CN))


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    for language in Language:
        texts = catalog(language)
        assert set(texts) == ROOT_KEYS, language
        for key, text in texts.items():
            assert placeholders(text) == placeholders(catalog(Language.ZH_CN)[key]), key


def test_keys_the_code_builds_from_enums_exist() -> None:
    needed = {spec.description_key for spec in CATALOG} | {f"role-{r.value}" for r in Role}
    assert needed <= ROOT_KEYS


def test_keys_used_in_the_code_exist() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    used: set[str] = set()
    for folder in ("handlers", "services", "domain", "bot"):
        for path in (root / folder).rglob("*.py"):
            used |= set(
                re.findall(r'(?:tr|Outcome|Decision)\(\s*"([a-z][a-z0-9-]+)"', path.read_text())
            )
            used |= set(re.findall(r'"((?:invite|join|perm|unit|bind)-[a-z-]+)"', path.read_text()))
    assert used, "the scan found nothing: the pattern is broken"
    assert used - ROOT_KEYS == set()


@pytest.mark.parametrize("language", list(Language))
def test_catalog_texts_are_valid_telegram_html(language: Language) -> None:
    allowed = re.compile(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>")
    for key, text in catalog(language).items():
        for tag in re.findall(r"<[^>]*>", text):
            assert allowed.fullmatch(tag), f"{key}: {tag}"


def test_values_are_escaped_unless_marked_html() -> None:
    tr = Translator(Language.EN)
    assert tr("whoami-header", name="<b>x</b> & co", id=1) == (
        "<b>&lt;b&gt;x&lt;/b&gt; &amp; co</b> (ID 1)"
    )
    assert tr("whoami-header", name=Html("<i>ok</i>"), id=1).startswith("<b><i>ok</i></b>")


def test_the_language_decides_the_text() -> None:
    assert Translator(Language.ZH_CN)("cancel-done") != Translator(Language.EN)("cancel-done")
