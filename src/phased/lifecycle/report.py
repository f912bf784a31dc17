"""A self-contained HTML page of the last migration run, from the ledger:
a timeline of the phases, rows moved and throughput over time, the
verification results and the backup used. Inline SVG, no external assets."""
from __future__ import annotations

from datetime import datetime
from html import escape

from phased.state.ledger import NOTES, Entry

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #dde}
.verdict{font-size:1.2rem;padding:.6rem 1rem;border-radius:6px;display:inline-block;margin:.6rem 0}
.ok{background:#e3f6e8;color:#17602d} .bad{background:#fde7e7;color:#8a1c1c} .warn{background:#fff4d6;color:#7a5600}
table{border-collapse:collapse;width:100%;font-size:14px} td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}
.muted{color:#667} svg text{font:12px system-ui,sans-serif;fill:#334}
"""


def last_run(entries: list[Entry]) -> tuple[list[Entry], Entry | None]:
    """The entries of the last migrating command, and the latest verification since its start."""
    runs = [e for e in entries if e.direction != "verify" and e.direction not in NOTES]
    if not runs:
        return [], next((e for e in reversed(entries) if e.direction == "verify"), None)
    run_id = runs[-1].run
    steps = [e for e in runs if e.run == run_id] if run_id else runs[-1:]
    verify = next((e for e in reversed(entries) if e.direction == "verify" and e.started_at >= steps[0].started_at), None)
    return steps, verify


def _timeline(steps: list[Entry]) -> str:
    start = min(e.started_at for e in steps)
    span = max((max(e.finished_at for e in steps) - start).total_seconds(), 1e-3)
    width, row = 720, 26
    bars = []
    for i, e in enumerate(steps):
        x = 170 + (e.started_at - start).total_seconds() / span * (width - 190)
        w = max(e.seconds / span * (width - 190), 2)
        colour = "#3a9d5d" if e.outcome == "ok" else "#c0392b"
        label = f"{'↑' if e.direction != 'down' else '↓'} phase {e.phase} {e.direction}"
        bars.append(f'<text x="4" y="{i * row + 17}">{escape(label)}</text>'
                    f'<rect x="{x:.1f}" y="{i * row + 5}" width="{w:.1f}" height="16" rx="3" fill="{colour}">'
                    f'<title>{e.seconds:.2f} s, {e.outcome}</title></rect>'
                    f'<text x="{min(x + w + 4, width - 60):.1f}" y="{i * row + 17}">{e.seconds:.2f} s</text>')
    return (f'<svg width="{width}" height="{len(steps) * row + 10}" role="img" aria-label="timeline">'
            + "".join(bars) + "</svg>")


def _throughput(samples: list[list[float]]) -> str:
    if len(samples) < 2:
        return '<p class="muted">Too few batches to plot.</p>'
    width, height, pad = 720, 220, 50
    t_max = max(s[0] for s in samples) or 1e-3
    r_max = max(s[1] for s in samples) or 1
    points = " ".join(f"{pad + s[0] / t_max * (width - 2 * pad):.1f},{height - pad - s[1] / r_max * (height - 2 * pad):.1f}"
                      for s in samples)
    rate = samples[-1][1] / samples[-1][0] if samples[-1][0] else 0
    return (f'<svg width="{width}" height="{height}" role="img" aria-label="rows moved over time">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#99a"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#99a"/>'
            f'<polyline fill="none" stroke="#2f6fb2" stroke-width="2" points="{points}"/>'
            f'<text x="{pad}" y="{pad - 10}">{r_max:,.0f} rows</text>'
            f'<text x="{width - pad - 40}" y="{height - pad + 18}">{t_max:.1f} s</text>'
            f'<text x="{pad + 10}" y="{height - 12}">average {rate:,.0f} rows/s</text></svg>')


def _checks(verification: dict) -> str:
    rows = []
    for c in verification.get("checks", []):
        cls = "ok" if c["ok"] else ("warn" if c.get("warning") else "bad")
        word = "ok" if c["ok"] else ("warning" if c.get("warning") else "FAILED")
        rows.append(f"<tr><td>{c['phase']}</td><td>{escape(c['name'])}</td><td class='{cls}'>{word}</td>"
                    f"<td>{escape(c['detail'])}</td></tr>")
    return "<table><tr><th>phase</th><th>check</th><th>result</th><th>detail</th></tr>" + "".join(rows) + "</table>"


def render(database: str, phase_label: str, entries: list[Entry], generated: datetime, *, title: str,
           command: str) -> str:
    steps, verify = last_run(entries)
    body = [f"<h1>{escape(title)}</h1><p class='muted'>{escape(database)} · now at phase "
            f"{escape(phase_label)} · generated {generated:%Y-%m-%d %H:%M:%S} UTC</p>"]
    if not steps:
        body.append("<p>No migration has run on this database yet.</p>")
    else:
        ok = all(e.outcome == "ok" for e in steps) and (verify is None or verify.outcome == "ok")
        moved = sum(e.rows_moved for e in steps)
        seconds = sum(e.seconds for e in steps)
        body.append(f"<div class='verdict {'ok' if ok else 'bad'}'>{'Succeeded' if ok else 'FAILED'}: "
                    f"{len(steps)} step(s) in {seconds:.1f} s, {moved:,} rows moved</div>")
        failures = [e for e in steps if e.outcome != "ok"]
        for e in failures:
            body.append(f"<p class='bad'>phase {e.phase} {e.direction}: {escape(e.error or 'failed')}</p>")
        body.append("<h2>Timeline</h2>" + _timeline(steps))
        table = "".join(f"<tr><td>{e.phase}</td><td>{e.direction}</td><td>{e.started_at:%H:%M:%S}</td>"
                        f"<td>{e.seconds:.2f}</td><td>{e.rows_moved:,}</td><td>{e.outcome}</td>"
                        f"<td>{escape(e.operator)}</td></tr>" for e in steps)
        body.append("<table><tr><th>phase</th><th>direction</th><th>started</th><th>seconds</th><th>rows</th>"
                    f"<th>outcome</th><th>operator</th></tr>{table}</table>")
        for e in steps:
            if e.details.get("throughput"):
                body.append(f"<h2>Rows moved over time (phase {e.phase})</h2>" + _throughput(e.details["throughput"]))
        backups = sorted({e.backup for e in steps if e.backup})
        body.append("<h2>Backup used</h2>" + ("".join(f"<p><code>{escape(b)}</code></p>" for b in backups)
                                              or "<p class='warn'>None: the run was made with --no-backup.</p>"))
    verification = (verify.details if verify else (steps[-1].details if steps else {})).get("verification")
    if verification:
        source = f"{command} verify" if verify else f"the automatic check after phase {steps[-1].phase}"
        body.append(f"<h2>Verification ({escape(source)})</h2>" + _checks(verification))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")
