"""Charts (texts/charts.py): the CJK font is there and used, every chart is a PNG of the
expected size that is not blank, and no Chinese glyph falls back to a box."""

import io
import warnings
from datetime import date

import pytest
from matplotlib import font_manager
from PIL import Image

from domain.org import Language, OrgTree, Unit, UnitKind
from domain.periods import Period
from domain.reports import UnitStatus
from domain.stats import NewDeclaration, ReportDay, compute
from texts import charts
from texts.i18n import Translator

TREE = OrgTree.of(
    [
        Unit("town", "城关镇", UnitKind.TOWNSHIP),
        Unit("east", "东关村", UnitKind.VILLAGE, "town"),
        Unit("west", "西关村", UnitKind.VILLAGE, "town"),
    ]
)
WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))
STATUSES = [UnitStatus.SUBMITTED, UnitStatus.LATE, UnitStatus.MISSING, UnitStatus.ZERO]


def _stats():  # type: ignore[no-untyped-def]
    reports = [
        ReportDay(code, day, STATUSES[(n + offset) % len(STATUSES)])
        for offset, code in enumerate(["east", "west"])
        for n, day in enumerate(WEEK.days())
    ]
    news = [NewDeclaration("east", WEEK.first, "home_quarantine", "mid")]
    return compute(TREE, "town", WEEK, reports, declarations=news)


def test_the_font_is_noto_sans_cjk_from_mplfonts() -> None:
    family = charts.check_font()
    assert "CJK" in family
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert found == str(charts.font_path())


def test_a_missing_font_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "FONT_FILE", "NoSuchFont.otf")
    with pytest.raises(charts.ChartFontError, match="NoSuchFont"):
        charts.font_path()


@pytest.mark.parametrize("language", list(Language))
def test_every_chart_is_a_png_of_the_size_not_blank_and_without_boxes(language: Language) -> None:
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font(s)" for every character it draws as a box
        warnings.simplefilter("error")
        images = charts.render(Translator(language), _stats())
    assert len(images) == 3
    for data in images:
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG"
        assert image.size == charts.SIZE_PX
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None
        assert len(colours) > 20  # drawn on, not a blank page


def test_the_bot_does_not_start_without_the_font(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import run_bot
    from bot.config import ConfigError, Settings

    settings = Settings.model_validate({"telegram": {"token": "42:TESTtokenTESTtokenTESTtoken1"}})
    monkeypatch.setattr(charts, "FONT_FILE", "NoSuchFont.otf")
    charts.check_font.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"charts: .*NoSuchFont"):
            run_bot(settings)
    finally:
        monkeypatch.undo()
        charts.check_font.cache_clear()
        charts.check_font()


def test_a_period_with_nothing_to_draw_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    real_text = charts.Axes.text

    def text(self, x, y, s, *args, **kwargs):  # type: ignore[no-untyped-def]
        said.append(s)
        return real_text(self, x, y, s, *args, **kwargs)

    monkeypatch.setattr(charts.Axes, "text", text)
    tr = Translator(Language.ZH_CN)
    empty = compute(TREE, "town", WEEK, [], declarations=[])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        images = charts.render(tr, empty)
    assert len(images) == 3
    assert said == [tr("stats-chart-empty")] * 3
    # With data, no chart says it is empty.
    said.clear()
    charts.render(tr, _stats())
    assert said == []
