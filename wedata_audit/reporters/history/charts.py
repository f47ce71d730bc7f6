"""Inline SVG charts drawn by the page itself: no library, no script, no network.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (its text alternative, which states
the values); every text is escaped. Colours are presentation attributes (the page's Content-Security-Policy
allows no inline ``style`` attribute), and each series also has its own dash pattern or a label, so the
charts print in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 44
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
_ids = count(1)


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]
    color: str


def _nice_max(value: float) -> float:
    if value <= 0:
        return 4.0  # four whole-number ticks
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000,
                 100_000, 200_000, 500_000, 1_000_000):
        if value <= step * 4:
            return float(step * 4)
    return float(value)


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.1f}%" if percent else f"{value:,.0f}"


def _frame(title: str, desc: str, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="c{n}t c{n}d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="c{n}t">{escape(title)}</title><desc id="c{n}d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _axes(labels: Sequence[str], top: float, percent: bool) -> tuple[list[str], float, float]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                   f"{escape(_fmt(value, percent))}</text>")
    n = len(labels)
    every = max(1, (n + 7) // 8)
    for i, label in enumerate(labels):
        if i % every and i != n - 1:
            continue
        x = LEFT + (plot_w * (i + 0.5) / n)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">'
                   f"{escape(label)}</text>")
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#555"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#555"/>')
    return out, plot_w, plot_h


def _legend(names: Sequence[tuple[str, str, str]]) -> list[str]:
    out = []
    x = WIDTH - RIGHT + 12
    for i, (name, color, dash) in enumerate(names):
        y = TOP + 8 + i * 18
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x}" x2="{x + 22}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="3"{dash_attr}/>')
        out.append(f'<text x="{x + 28}" y="{y + 4}" font-size="11">{escape(name[:18])}</text>')
    return out


def line_chart(title: str, labels: Sequence[str], lines: Sequence[Line], *, percent: bool = False,
               y_max: float | None = None) -> Markup:
    values = [v for line in lines for v in line.values if v is not None]
    top = y_max if y_max is not None else _nice_max(max(values, default=0.0))
    body, plot_w, plot_h = _axes(labels, top, percent)
    n = len(labels)
    legend = []
    for k, line in enumerate(lines):
        dash = DASHES[k % len(DASHES)]
        legend.append((line.name, line.color, dash))
        points = []
        for i, v in enumerate(line.values):
            if v is None:
                continue
            x = LEFT + plot_w * (i + 0.5) / n
            y = TOP + plot_h - plot_h * min(v, top) / top
            points.append((x, y))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline fill="none" stroke="{line.color}" stroke-width="2"{dash_attr} '
                        f'points="{coords}"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{line.color}"/>' for x, y in points]
    body += _legend(legend)
    desc = "; ".join(
        f"{line.name}: " + ", ".join(f"{lab} {_fmt(v, percent) if v is not None else 'n/a'}"
                                     for lab, v in zip(labels, line.values, strict=True))
        for line in lines)
    return _frame(title, desc, body)


def bar_chart(title: str, labels: Sequence[str], bars: Sequence[Line]) -> Markup:
    """Grouped bars (one group per label); a missing value draws nothing and reads n/a."""
    values = [v for bar in bars for v in bar.values if v is not None]
    top = _nice_max(max(values, default=0.0))
    body, plot_w, plot_h = _axes(labels, top, False)
    n, k = len(labels), max(len(bars), 1)
    group = plot_w / max(n, 1)
    width = max(group * 0.8 / k, 1.0)
    for j, bar in enumerate(bars):
        for i, v in enumerate(bar.values):
            if v is None:
                continue
            h = plot_h * min(v, top) / top
            x = LEFT + group * i + group * 0.1 + width * j
            body.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
                        f'fill="{bar.color}"><title>{escape(f"{bar.name} {labels[i]}: {v:,.0f}")}</title></rect>')
    body += _legend([(b.name, b.color, "") for b in bars])
    desc = "; ".join(
        f"{bar.name}: " + ", ".join(f"{lab} {f'{v:,.0f}' if v is not None else 'n/a'}"
                                    for lab, v in zip(labels, bar.values, strict=True))
        for bar in bars)
    return _frame(title, desc, body)
