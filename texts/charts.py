"""Charts of the statistics as PNG images (for sendPhoto): completion by sub-unit (bars), the
on-time rate over time (line), new declarations by category over time (stacked bars).

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global figure state), so
several charts may render at once in worker threads: callers run `render` with
`asyncio.to_thread`, never on the event loop. Labels are Chinese: the font is Noto Sans CJK SC
as bundled by the `mplfonts` package, loaded from its file. `check_font()` runs at start-up and
raises `ChartFontError` when the file is missing, so a broken install fails loudly instead of
drawing boxes (tofu) for every Chinese character.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")  # before anything draws: no display, no GUI toolkit

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from domain.policy import Category
from domain.stats import Statistics, UnitFigures
from texts.i18n import Translator

FONT_FILE: Final = "NotoSansCJKsc-Regular.otf"
SIZE_PX: Final = (960, 540)  # every chart; a phone shows it full width
_DPI: Final = 120
_MOST_BARS: Final = 30  # beyond this the bars are the worst sub-units (the ones to act on)


class ChartFontError(RuntimeError):
    pass


def font_path() -> Path:
    """The CJK font file bundled by mplfonts; ChartFontError when it is not installed."""
    spec = find_spec("mplfonts")
    if spec is None or spec.origin is None:
        raise ChartFontError("the charts need the mplfonts package (pip install mplfonts)")
    path = Path(spec.origin).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise ChartFontError(f"the charts' Chinese font is missing: {path}")
    return path


@cache
def check_font() -> str:
    """Register the CJK font with matplotlib; its family name. Start-up calls this."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    return family


def _figure(title: str) -> tuple[Figure, Axes]:
    check_font()
    figure = Figure(figsize=(SIZE_PX[0] / _DPI, SIZE_PX[1] / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    return figure, axes


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _say_empty(tr: Translator, axes: Any) -> None:
    """A chart with nothing to draw says so, rather than showing bare axes."""
    axes.text(0.5, 0.5, tr("stats-chart-empty"), ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _percent(rate: float | None) -> float:
    return round(100 * rate, 1) if rate is not None else 0.0


def completion_chart(tr: Translator, stats: Statistics) -> bytes:
    """On-time, late and missing reports per direct sub-unit (or per unit, at the bottom)."""
    entries: list[tuple[str, UnitFigures]] = [
        (unit.name, figures) for unit, figures in stats.children if figures.reports.counted
    ] or [(stats.root.name, stats.total)]
    entries.sort(key=lambda entry: -(entry[1].reports.on_time_rate or 0.0))
    entries = entries[-_MOST_BARS:]
    figure, axes = _figure(tr("stats-chart-completion", unit=stats.root.name))
    names = [name for name, _ in entries]
    on_time = [figures.reports.on_time for _, figures in entries]
    late = [figures.reports.late for _, figures in entries]
    missing = [figures.reports.missing for _, figures in entries]
    axes.barh(names, on_time, color="#2e7d32", label=tr("stats-on-time"))
    axes.barh(names, late, left=on_time, color="#f9a825", label=tr("stats-late"))
    left = [a + b for a, b in zip(on_time, late, strict=True)]
    axes.barh(names, missing, left=left, color="#c62828", label=tr("stats-missing"))
    if not any(a + b for a, b in zip(left, missing, strict=True)):
        _say_empty(tr, axes)
        return _png(figure)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # reports are counted whole
    axes.legend(loc="lower right")
    return _png(figure)


def trend_chart(tr: Translator, stats: Statistics) -> bytes:
    """The subtree's on-time rate per day (days with nothing owed left out of the line)."""
    figure, axes = _figure(tr("stats-chart-trend", unit=stats.root.name))
    points = [(p.day, p.reports.on_time_rate) for p in stats.days]
    days = [f"{day:%m-%d}" for day, rate in points if rate is not None]
    rates = [_percent(rate) for _, rate in points if rate is not None]
    if not rates:
        _say_empty(tr, axes)
        return _png(figure)
    axes.plot(days, rates, marker="o", color="#1565c0")
    axes.set_ylim(0, 105)
    axes.set_ylabel(tr("stats-on-time-rate"))
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _png(figure)


def declarations_chart(tr: Translator, stats: Statistics) -> bytes:
    """New declarations per day, stacked by category."""
    figure, axes = _figure(tr("stats-chart-declarations", unit=stats.root.name))
    days = [f"{point.day:%m-%d}" for point in stats.days]
    bottom = [0] * len(days)
    for category in Category:
        counts = [point.new_by_category.get(category.value, 0) for point in stats.days]
        if any(counts):
            label = tr(f"followup-category-{category.value}")
            axes.bar(days, counts, bottom=bottom, label=label)
            bottom = [a + b for a, b in zip(bottom, counts, strict=True)]
    if not any(bottom):
        _say_empty(tr, axes)
        return _png(figure)
    axes.legend()
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(tr("stats-declarations-count"))
    figure.autofmt_xdate()
    return _png(figure)


CHARTS: Final[tuple[Callable[[Translator, Statistics], bytes], ...]] = (
    completion_chart,
    trend_chart,
    declarations_chart,
)


def render(tr: Translator, stats: Statistics) -> list[bytes]:
    """Every chart of /stats, in order (blocking: run it in a thread)."""
    return [chart(tr, stats) for chart in CHARTS]
