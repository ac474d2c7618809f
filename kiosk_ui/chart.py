"""A line chart as inline SVG: no chart library, nothing to download, readable at 2 m."""
from __future__ import annotations

from datetime import datetime
from html import escape

W, H, PAD = 900, 260, 46


def line_chart_svg(series: list[tuple[datetime, float]], start: datetime, end: datetime, zone,
                   thresholds: list[float] | None = None) -> str:
    values = [v for _, v in series] + list(thresholds or [])
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    span = (end - start).total_seconds() or 1

    def x(t: datetime) -> float:
        return PAD + (W - 2 * PAD) * max(0.0, min(1.0, (t - start).total_seconds() / span))

    def y(v: float) -> float:
        return H - PAD - (H - 2 * PAD) * (v - lo) / (hi - lo)

    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series)
    parts = [f'<svg viewBox="0 0 {W} {H}" class="chart" role="img">',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class="axis"/>']
    for level in thresholds or []:
        parts.append(f'<line x1="{PAD}" y1="{y(level):.1f}" x2="{W - PAD}" y2="{y(level):.1f}" class="limit"/>'
                     f'<text x="{W - PAD + 4}" y="{y(level) + 5:.1f}" class="tick">{level:g}</text>')
    for v in (lo, hi):
        parts.append(f'<text x="4" y="{y(v) + 5:.1f}" class="tick">{v:.0f}</text>')
    for hour in range(0, 25, 6):
        t = start + (end - start) * hour / 24
        parts.append(f'<text x="{x(t) - 18:.1f}" y="{H - 12}" class="tick">{escape(t.astimezone(zone).strftime("%H:%M"))}</text>')
    parts.append(f'<polyline points="{points}" class="line"/></svg>')
    return "".join(parts)
