import re

import pytest

from domain.commands import CATALOG
from domain.org import Language, Role
from texts.i18n import CatalogError, Html, Translator, catalog, check_plurals, placeholders

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


def test_a_count_selects_the_plural_form_of_the_readers_language() -> None:
    en, zh = Translator(Language.EN), Translator(Language.ZH_CN)
    assert [en("declare-doses", n=n) for n in (0, 1, 2)] == ["0 doses", "1 dose", "2 doses"]
    assert zh("declare-doses", n=1) == "1 剂"
    # A form may stand without its number.
    assert "1 problem found. Fix it and" in en("risk-load-rejected", count=1)
    assert "2 problems found. Fix them and" in en("risk-load-rejected", count=2)
    # Refusal parameters are text: their digits count too, written as they are.
    assert en("declare-doses", n="1") == "1 dose"
    assert en("whoami-header", name="x", id="007") == "<b>x</b> (ID 007)"
    tally = {"submitted": 1, "late": 0, "excused": 0, "missing": 0}
    assert en("rollup-tally", expected=1, zero=1, **tally) == (
        "1 unit owes a report: 1 filed (1 zero report, 0 late), 0 excused, 0 missing."
    )
    assert en("rollup-tally", expected=3, zero=2, **tally).startswith(
        "3 units owe a report: 1 filed (2 zero reports,"
    )


def test_a_plural_spec_needs_one_form_per_category_of_its_language() -> None:
    check_plurals(Language.EN, "{n} {n:dose|doses}", "ok")
    with pytest.raises(CatalogError, match="needs 2"):
        check_plurals(Language.EN, "{n} {n:dose|doses|dosen}", "en")
    with pytest.raises(CatalogError, match="needs 1"):
        check_plurals(Language.ZH_CN, "{n} {n:剂|剂}", "zh")
