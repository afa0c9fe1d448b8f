"""Server-side SVG bar charts for the rankings admin (no JavaScript, nothing inline for CSP).

``stacked_bar_chart`` turns series of numbers into geometry; the template
``rankings/admin/chart.svg.html`` draws it with CSS classes (colours live in
``static/css/rankings-admin.css``), a ``<title>``/``<desc>`` for assistive
technology and a ``<title>`` per bar for hover. Pages pair every chart with a
data table.
"""

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css_class: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    chart_id: str
    title: str
    desc: str
    width: int
    height: int
    plot_left: int
    plot_top: int
    plot_right: int
    plot_bottom: int
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1), so axis ticks are round."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    slots: list[tuple[str, dict[str, int]]],
    series: list[Series],
    x_ticks: dict[int, str],
    width: int = 960,
    height: int = 300,
) -> Chart:
    """One bar per slot, its series stacked bottom-up in ``series`` order.

    ``slots`` is ``[(label, {series key: value})]`` (the label titles each
    bar); ``x_ticks`` maps slot indexes to axis labels.
    """
    left, top, right, bottom = 56, 12, width - 8, height - 28
    chart = Chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        width=width,
        height=height,
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        legend=list(series),
    )
    totals = [sum(values.get(s.key, 0) for s in series) for _label, values in slots]
    y_max = nice_ceiling(max(totals, default=0))
    plot_height = bottom - top
    slot_width = (right - left) / max(len(slots), 1)
    bar_width = max(slot_width * 0.8, 1.0)
    for index, (label, values) in enumerate(slots):
        x = left + index * slot_width + (slot_width - bar_width) / 2
        base = bottom
        for s in series:
            value = values.get(s.key, 0)
            if value <= 0:
                continue
            bar_height = value / y_max * plot_height
            base -= bar_height
            chart.bars.append(
                Bar(
                    x=round(x, 2),
                    y=round(base, 2),
                    width=round(bar_width, 2),
                    height=round(bar_height, 2),
                    css_class=s.css_class,
                    label=f"{label}: {value:,} {s.label.lower()}",
                )
            )
        if index in x_ticks:
            chart.x_ticks.append(Tick(position=round(x + bar_width / 2, 2), label=x_ticks[index]))
    for step in range(5):
        value = y_max * step / 4
        text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        chart.y_ticks.append(Tick(position=round(bottom - plot_height * step / 4, 2), label=text))
    return chart
