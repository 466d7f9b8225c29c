"""Charts of the report, rendered offline by matplotlib as SVG text (no network, no font file:
text stays text, in the browser's sans-serif). Okabe-Ito colours (readable by colour-blind
readers), and markers, dash patterns and hatches so that a black and white print still tells
the series apart. French titles, units on the axes, decimal commas."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from report.french import number  # noqa: E402

COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++", "**"]
MARKERS = ["o", "s", "^", "D", "v"]
DASHES = ["-", "--", "-.", ":", "-"]
plt.rcParams.update({
    "svg.fonttype": "none",  # keep text as text
    "svg.hashsalt": "ctg",  # stable ids: the same data gives the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
})


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    caption: str


# Charts already drawn, by a hash of what draws them (the function, its arguments, this module's
# and french.py's code, matplotlib's version): a refresh where a few figures changed draws only
# the charts that show them (drawing is most of the report's time: 11 charts, about 1.5 s).
_cache: dict = {"folder": None, "used": set()}


@contextlib.contextmanager
def cached_in(folder: Path | None) -> Iterator[None]:
    """Within it, charts are read from and written to `folder` (None: always drawn). On a clean
    exit, the charts not drawn or read meanwhile are removed: the folder holds one report's."""
    previous = dict(_cache)
    _cache.update(folder=folder, used=set())
    try:
        yield
        if folder is not None and folder.is_dir():
            for path in [*folder.glob("*.json"), *folder.glob("*.tmp")]:
                if path.name not in _cache["used"]:
                    path.unlink(missing_ok=True)
    finally:
        _cache.clear()
        _cache.update(previous)


@functools.cache
def _code_fingerprint() -> str:
    here = Path(__file__).parent
    code = b"".join((here / name).read_bytes() for name in ("charts.py", "french.py"))
    return hashlib.sha256(code + matplotlib.__version__.encode()).hexdigest()


def remembered(draw):
    """A chart function whose charts are kept in the folder of `cached_in`."""
    @functools.wraps(draw)
    def chart(*args, **kwargs) -> Chart:
        folder, what = _cache["folder"], None
        if folder is not None:
            try:
                what = json.dumps([draw.__name__, args, kwargs, _code_fingerprint()], default=repr, ensure_ascii=False)
            except (TypeError, ValueError):  # arguments JSON cannot name (keys other than text, numbers)
                folder = None
        if folder is None:
            return draw(*args, **kwargs)
        path = folder / f"{hashlib.sha256(what.encode()).hexdigest()}.json"
        _cache["used"].add(path.name)
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            kept = json.loads(path.read_text(encoding="utf-8"))
            return Chart(kept["title"], kept["svg"], kept["caption"])
        drawn = draw(*args, **kwargs)
        with contextlib.suppress(OSError):  # a cache: a chart not kept is drawn again next time
            folder.mkdir(parents=True, exist_ok=True)
            staged = path.with_suffix(f".{os.getpid()}.tmp")
            staged.write_text(json.dumps({"title": drawn.title, "svg": drawn.svg, "caption": drawn.caption},
                                         ensure_ascii=False), encoding="utf-8")
            os.replace(staged, path)
        return drawn

    return chart


def french_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 0 if float(v).is_integer() else 1)))


def to_svg(fig, title: str, caption: str) -> Chart:
    # The tight box measured by the Agg renderer (C++), not by `bbox_inches="tight"`, which draws
    # the whole SVG once more to measure it: 14 charts 2.6 s → 1.7 s. Agg's text is a few points
    # wider: the margins are a little larger, nothing is cut.
    tight = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches=tight, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # inline in the page: no XML prolog or DOCTYPE
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)  # RDF namespaces, no content
    svg = re.sub(r"<svg ", f'<svg role="img" aria-label="{escape(title)}" ', svg, count=1)
    return Chart(title, svg, caption)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@remembered
def lines(title: str, series: dict[str, list[tuple[int, float]]], unit: str, caption: str) -> Chart:
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for index, (label, points) in enumerate(series.items()):
        years, values = zip(*points, strict=True) if points else ((), ())
        ax.plot(years, values, label=label, color=COLOURS[index % len(COLOURS)], marker=MARKERS[index % len(MARKERS)],
                linestyle=DASHES[index % len(DASHES)], linewidth=1.8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(unit)
    ax.set_xlabel("année")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    french_axis(ax.yaxis)
    ax.legend(frameon=False)
    ax.grid(axis="y", linewidth=0.4, alpha=0.5)
    return to_svg(fig, title, caption)


@remembered
def bars(title: str, items: list[tuple[str, float]], unit: str, caption: str,
         reference: float | None = None, reference_label: str | None = None) -> Chart:
    items = [(label, value) for label, value in items if value is not None and not math.isnan(value)]
    fig, ax = plt.subplots(figsize=(6.4, max(2.0, 0.26 * len(items) + 0.8)))
    labels = [label for label, _v in items]
    ax.barh(labels, [value for _l, value in items], color=COLOURS[0], edgecolor="black", linewidth=0.4)
    ax.invert_yaxis()  # first commune on top, as in a table
    if reference is not None and not math.isnan(reference):
        ax.axvline(reference, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"{reference_label} : {number(reference, 1)}", (reference, 0.0), xycoords=("data", "axes fraction"),
                    xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xlabel(unit)
    french_axis(ax.xaxis)
    ax.grid(axis="x", linewidth=0.4, alpha=0.5)
    return to_svg(fig, title, caption)


@remembered
def stacked_bars(title: str, categories: list[str], stacks: dict[str, list[float]], unit: str, caption: str,
                 horizontal: bool = True) -> Chart:
    fig, ax = plt.subplots(figsize=(6.4, max(2.0, 0.3 * len(categories) + 1.0)))
    left = [0.0] * len(categories)
    for index, (label, values) in enumerate(stacks.items()):
        style = {"color": COLOURS[index % len(COLOURS)], "hatch": HATCHES[index % len(HATCHES)], "edgecolor": "black",
                 "linewidth": 0.4, "label": label}
        if horizontal:
            ax.barh(categories, values, left=left, **style)
        else:
            ax.bar(categories, values, bottom=left, **style)
        left = [a + b for a, b in zip(left, values, strict=True)]
    if horizontal:
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        french_axis(ax.xaxis)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_ylabel(unit)
        french_axis(ax.yaxis)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return to_svg(fig, title, caption)
