"""Charts as SVG drawn on the server (no script, no library): each is an image with a title and
a description, and the page puts the same figures in a data table beside it."""
from __future__ import annotations

import datetime as dt
from html import escape

from markupsafe import Markup

INK = "#1a1a1a"
BLUE = "#00507a"  # 8.6:1 on white
GREEN = "#1b6e20"
RED = "#b3261e"
GRID = "#767676"
WIDTH = 720


def fr(number: int) -> str:
    """12 345: French digit grouping (narrow no-break space)."""
    return f"{number:,}".replace(",", "\u202f")


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, value: str, anchor: str = "start", size: int = 14, fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" '
            f'font-family="Arial, sans-serif">{escape(value)}</text>')


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def bars(chart_id: str, title: str, rows: list[tuple[str, int]], colour: str = BLUE) -> Markup:
    """Horizontal bars, one per (label, value), largest first as given."""
    label_width, row_height = 290, 28
    height = max(1, len(rows)) * row_height + 16
    top = max((v for _, v in rows), default=0) or 1
    span = WIDTH - label_width - 70
    body = []
    if not rows:
        body.append(_text(8, 28, "Aucune donnée pour cette période."))
    for i, (label, value) in enumerate(rows):
        y = 8 + i * row_height
        body.append(_text(label_width - 8, y + 18, _short(label), "end"))
        width = span * value / top
        body.append(f'<rect x="{label_width}" y="{y + 4}" width="{width:.1f}" height="{row_height - 10}" fill="{colour}"/>')
        body.append(_text(label_width + width + 6, y + 18, fr(value)))
    description = "Barres horizontales ; les mêmes chiffres sont dans le tableau qui suit."
    return _svg(chart_id, title, description, height, body)


def paired_bars(chart_id: str, title: str, rows: list[tuple[str, int, int]]) -> Markup:
    """For each label, a « utile » bar (green) and a « pas utile » bar (red), with a legend."""
    label_width, row_height = 290, 44
    height = max(1, len(rows)) * row_height + 40
    top = max((max(u, d) for _, u, d in rows), default=0) or 1
    span = WIDTH - label_width - 70
    body = [f'<rect x="{label_width}" y="6" width="14" height="14" fill="{GREEN}"/>',
            _text(label_width + 20, 18, "utile"),
            f'<rect x="{label_width + 130}" y="6" width="14" height="14" fill="{RED}"/>',
            _text(label_width + 150, 18, "pas utile")]
    if not rows:
        body.append(_text(8, 50, "Aucun avis pour cette période."))
    for i, (label, up, down) in enumerate(rows):
        y = 32 + i * row_height
        body.append(_text(label_width - 8, y + 24, _short(label), "end"))
        for j, (value, colour) in enumerate(((up, GREEN), (down, RED))):
            width = span * value / top
            body.append(f'<rect x="{label_width}" y="{y + 4 + j * 18}" width="{width:.1f}" height="15" fill="{colour}"/>')
            body.append(_text(label_width + width + 6, y + 16 + j * 18, fr(value), size=12))
    return _svg(chart_id, title, "Deux barres par sujet, utile et pas utile ; les mêmes chiffres sont dans le tableau qui suit.",
                height, body)


def columns(chart_id: str, title: str, series: list[tuple[dt.date, int]]) -> Markup:
    """One column per day, with the first, middle and last dates under the axis."""
    left, bottom, height = 50, 40, 240
    plot_height = height - bottom - 16
    top = max((v for _, v in series), default=0) or 1
    step = (WIDTH - left - 10) / max(1, len(series))
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" stroke="{GRID}"/>',
            _text(left - 6, 24, fr(top), "end", 12), _text(left - 6, height - bottom, "0", "end", 12)]
    for i, (_day, value) in enumerate(series):
        bar = plot_height * value / top
        body.append(f'<rect x="{left + i * step + step * 0.1:.1f}" y="{height - bottom - bar:.1f}" '
                    f'width="{max(1.0, step * 0.8):.1f}" height="{bar:.1f}" fill="{BLUE}"/>')
    if series:
        for i in sorted({0, len(series) // 2, len(series) - 1}):
            body.append(_text(left + i * step + step / 2, height - bottom + 20, series[i][0].strftime("%d/%m"), "middle", 12))
    return _svg(chart_id, title, "Colonnes par jour ; les mêmes chiffres sont dans le tableau qui suit.", height, body)
