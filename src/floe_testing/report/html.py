"""``floe-test report``: the history as one self-contained HTML page.

Plotly draws the charts; its JavaScript is inlined once, so the page needs no network when
it is opened (an archived CI artifact opens anywhere). Each section answers one question:
did runs pass, did they get slower (suite and phases), which tests are slow and trending,
which are flaky, did a soak's memory or latency drift, and how performance compares with
its baseline.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from floe_testing.report import measurements, trends

MIB = 1024 * 1024
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2933; max-width: 1200px; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
th { background: #f3f4f6; } .bad { color: #b91c1c; font-weight: 600; }
.good { color: #15803d; } .note { color: #52606d; font-size: .9rem; }
.flaky { background: #fef3c7; }
"""


def _figure(fig: Any, div_id: str) -> str:
    fig.update_layout(
        height=380, margin={"l": 60, "r": 60, "t": 40, "b": 110}, template="plotly_white"
    )
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
    )


def _table(headers: list[str], rows: list[list[str]], row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{row_class[i]}"' if row_class and row_class[i] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _tests_cell(totals: dict[str, int]) -> str:
    get = {k: int(totals.get(k, 0)) for k in ("passed", "tests", "failures", "errors", "skipped")}
    return (
        f"{get['passed']}/{get['tests']} passed, {get['failures']} failed, "
        f"{get['errors']} errors, {get['skipped']} skipped"
    )


def _runs_section(runs: list[dict[str, Any]]) -> str:
    import plotly.graph_objects as go

    labels = [trends.label(r) for r in runs]
    rates = [trends.pass_rate(r) for r in runs]
    colours = ["#15803d" if r.get("exit_code") == 0 else "#b91c1c" for r in runs]
    fig = go.Figure(go.Bar(x=labels, y=[r or 0 for r in rates], marker_color=colours))
    fig.update_layout(title="Pass rate per run (%)", yaxis={"range": [0, 100]})
    rows = [
        [
            html.escape(trends.label(r)),
            html.escape(f"{r.get('tier')} · {r.get('backend')} · {r.get('profile')}"),
            str(r.get("scale")),
            html.escape(str(r.get("git_revision") or "")[:10]),
            f'<span class="{"good" if r.get("exit_code") == 0 else "bad"}">'
            f"{html.escape(str(r.get('verdict')))}</span>",
            _tests_cell(r.get("totals") or {}),
            f"{float(r.get('duration_seconds') or 0):.1f}",
        ]
        for r in runs
    ]
    table = _table(
        ["run", "tier · backend · profile", "scale", "revision", "verdict", "tests", "seconds"],
        rows,
    )
    return f"<h2>Runs</h2><p>{len(runs)} runs</p>{_figure(fig, 'pass-rate')}{table}"


_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0}


def _durations_section(runs: list[dict[str, Any]], soak_ids: set[str]) -> str:
    """Ordinary runs only: a soak's duration is its chosen length, not a speed, and would
    dwarf every other bar."""
    import plotly.graph_objects as go

    soaks = [r for r in runs if str(r.get("run_id")) in soak_ids]
    runs = [r for r in runs if str(r.get("run_id")) not in soak_ids]
    note = (
        f"<p class=note>{len(soaks)} soak run(s) left out: their length is the --soak "
        "duration they were given (see the soak curves below)</p>"
        if soaks
        else ""
    )
    labels = [trends.label(r) for r in runs]
    fig = go.Figure()
    for phase in trends.phase_names(runs):
        values = [float((r.get("phases") or {}).get(phase, 0.0)) for r in runs]
        fig.add_trace(go.Bar(name=phase, x=labels, y=values))
    fig.add_trace(
        go.Scatter(
            name="suite (run tests)",
            x=labels,
            y=[float((r.get("phases") or {}).get("run tests", 0.0)) for r in runs],
            mode="lines+markers",
        )
    )
    fig.update_layout(barmode="stack", title="Duration per phase (s)", legend=_LEGEND_BELOW)
    return f"<h2>Suite and phase durations</h2>{note}{_figure(fig, 'phases')}"


def _slowest_section(records: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    import plotly.graph_objects as go

    slow = trends.slowest_tests(records)
    if not slow:
        return "<h2>Slowest tests</h2><p class=note>no test durations yet</p>"
    labels = [trends.label(r) for r in runs]
    fig = go.Figure()
    for test in slow[:5]:
        fig.add_trace(
            go.Scatter(name=test.name.split("::")[-1], x=labels, y=list(test.series),
                       mode="lines+markers", connectgaps=True)
        )  # fmt: skip
    fig.update_layout(title="Slowest tests over time (s)")
    rows = [[html.escape(t.name), f"{t.median_seconds:.2f}", f"{t.last_seconds:.2f}"] for t in slow]
    table = _table(["test", "median s", "last s"], rows)
    return f"<h2>Slowest tests and their trend</h2>{_figure(fig, 'slowest')}{table}"


def _flaky_section(records: list[dict[str, Any]]) -> str:
    flaky = trends.flaky_tests(records)
    if not flaky:
        return "<h2>Flaky tests</h2><p class=note id=no-flaky>no flaky tests in the last runs</p>"
    rows = [
        [
            f"<strong>{html.escape(f.name)}</strong>",
            f"{f.flip_rate:.2f}",
            " → ".join(f.outcomes),
            "yes" if f.same_revision else "no",
        ]
        for f in flaky
    ]
    table = _table(
        ["flaky test", "flip rate", "outcomes (oldest first)", "flipped on one revision"],
        rows,
        ["flaky"] * len(rows),
    )
    return (
        f'<h2>Flaky tests</h2><div id="flaky"><p class=bad>{len(flaky)} flaky: '
        f"{html.escape(', '.join(f.name for f in flaky))}</p>{table}</div>"
    )


def _soak_section(records: list[dict[str, Any]]) -> str:
    import plotly.graph_objects as go

    soaks = trends.soaks_of(records)
    if not soaks:
        return "<h2>Soak resource curves</h2><p class=note>no soak runs yet</p>"
    parts = ["<h2>Soak resource curves</h2>"]
    for n, (run_id, iterations) in enumerate(list(soaks.items())[-3:]):
        fig = go.Figure()
        services = sorted({s for it in iterations for s in (it.get("resources") or {})})
        x = [it.get("iteration") for it in iterations]
        for service in services:
            y = [
                (it.get("resources") or {}).get(service, {}).get("rss_bytes", 0) / MIB
                for it in iterations
            ]
            fig.add_trace(go.Scatter(name=f"{service} RSS (MiB)", x=x, y=y, mode="lines+markers"))
        p95 = [(it.get("metrics") or {}).get("graphql_p95_seconds") for it in iterations]
        if any(v is not None for v in p95):
            fig.add_trace(
                go.Scatter(name="GraphQL p95 (ms)", x=x, yaxis="y2", mode="lines+markers",
                           y=[v * 1000 if v is not None else None for v in p95])
            )  # fmt: skip
        fig.update_layout(
            title=f"Soak {run_id}: memory per service and latency by iteration",
            xaxis={"title": "iteration", "dtick": 1, "tickformat": "d"},
            yaxis={"title": "MiB"},
            yaxis2={"title": "GraphQL p95 (ms)", "overlaying": "y", "side": "right"},
            legend=_LEGEND_BELOW,
        )
        parts.append(_figure(fig, f"soak-{n}"))
    drift = [d for r in trends.runs_of(records) for d in (r.get("drift") or [])]
    if drift:
        parts.append("".join(f"<p class=bad>{html.escape(d)}</p>" for d in drift[-5:]))
    return "".join(parts)


def _perf_section(runs: list[dict[str, Any]]) -> str:
    import plotly.graph_objects as go

    names = trends.metric_names(runs)
    if not names:
        return "<h2>Performance against baseline</h2><p class=note>no measurements yet</p>"
    parts = ["<h2>Performance against baseline</h2>"]
    labels = [trends.label(r) for r in runs]
    for n, name in enumerate(names):
        title, unit, scale = measurements.label(name)
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(name="measured", x=labels, mode="lines+markers",
                       y=[_scaled((r.get("metrics") or {}).get(name), scale) for r in runs])
        )  # fmt: skip
        baseline = [_scaled((r.get("baseline") or {}).get(name), scale) for r in runs]
        if any(v is not None for v in baseline):
            fig.add_trace(
                go.Scatter(name="baseline (median of up to 5 earlier green runs)", x=labels,
                           y=baseline, mode="lines", line={"dash": "dash"})
            )  # fmt: skip
        else:
            parts.append(
                f"<p class=note>{html.escape(title)}: no baseline drawn yet: a run's baseline "
                "is the median of up to 5 earlier green runs of the same tier, backend and "
                "scale, and none of these runs had one before it</p>"
            )
        fig.update_layout(
            title=f"{title} ({unit})" if unit else title,
            yaxis={"title": unit},
            legend=_LEGEND_BELOW,
        )
        parts.append(_figure(fig, f"perf-{n}"))
    return "".join(parts)


def _scaled(value: float | None, scale: float) -> float | None:
    return value * scale if value is not None else None


def render(records: list[dict[str, Any]], title: str = "floe-test history") -> str:
    from plotly.offline import get_plotlyjs

    runs = trends.runs_of(records)
    sections = [
        _runs_section(runs),
        _durations_section(runs, set(trends.soaks_of(records))),
        _slowest_section(records, runs),
        _flaky_section(records),
        _soak_section(records),
        _perf_section(runs),
    ]
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=note>{len(runs)} runs, "
        f"{len(records) - len(runs)} soak iterations; self-contained page (no network)</p>"
        + "".join(sections)
        + "</body></html>"
    )


def write_report(records: list[dict[str, Any]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(records), encoding="utf-8")
