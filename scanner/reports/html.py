"""The HTML report: one self-contained page a security lead can forward to an auditor.

A summary by family (findings per severity, as an inline SVG bar chart), then per compliance framework
(--compliance) a donut of control statuses, the controls per family and a sortable controls table, then the
findings with their locations and the remediation of their rules, and the run's errors.

Self-contained and inert: no external asset (styles, the sort script and the charts are inline), and a
Content-Security-Policy that allows nothing but this page's own style and script (by hash), so that nothing
the scanned input says can load or run anything even if it slipped past the escaping. Every text from the input
is made printable (as on the console) and HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from html import escape
from typing import TYPE_CHECKING

from scanner import __version__
from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.reports.console import STATUS_LABELS, remediation_hint, summary_line, where
from scanner.reports.summary import COLUMN_LABELS, COLUMNS, by_family
from scanner.reports.terminal import printable
from scanner.scan import ScanResult

if TYPE_CHECKING:
    from scanner.compliance.report import FrameworkResult

STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#1565c0", "manual": "#f9a825",
                  "not-covered": "#9e9e9e"}
COLUMN_COLOURS = {"critical": "#6a1b9a", "high": "#c62828", "medium": "#ef6c00", "low": "#0277bd",
                  "unknown": "#546e7a", "suppressed": "#bdbdbd"}
# The order a status column sorts in: what needs attention first.
_STATUS_ORDER = {"fail": 0, "unknown": 1, "pass": 2, "manual": 3, "not-covered": 4}

_STYLE = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9dee3;--bg:#f7f9fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:var(--ink);
background:var(--bg)}
header{background:#102a43;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#bcccdc}
main{padding:8px 32px 32px;max-width:1400px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px 20px;margin:16px 0}
h2{font-size:18px;margin:0 0 8px}
h3{font-size:15px;margin:16px 0 6px}
p.meta{color:var(--muted);margin:2px 0 10px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.legend{list-style:none;margin:0;padding:0}
.legend li{margin:3px 0}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}
th{background:#eef2f5;font-weight:600;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th::after{content:" \\2195";color:#9aa5b1}
table.sortable th[aria-sort=ascending]::after{content:" \\2191";color:var(--ink)}
table.sortable th[aria-sort=descending]::after{content:" \\2193";color:var(--ink)}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;
white-space:nowrap}
.s-pass{background:#2e7d32}.s-fail{background:#c62828}.s-unknown{background:#1565c0}.s-manual{background:#f9a825;
color:#1f2933}.s-not-covered{background:#9e9e9e}
.v-critical{background:#6a1b9a}.v-high{background:#c62828}.v-medium{background:#ef6c00}.v-low{background:#0277bd}
.v-unknown{background:#546e7a}.v-suppressed{background:#bdbdbd;color:#1f2933}
.sw-pass{background:#2e7d32}.sw-fail{background:#c62828}.sw-unknown{background:#1565c0}.sw-manual{background:#f9a825}
.sw-not-covered{background:#9e9e9e}.sc-critical{background:#6a1b9a}.sc-high{background:#c62828}
.sc-medium{background:#ef6c00}.sc-low{background:#0277bd}.sc-unknown{background:#546e7a}.sc-suppressed{background:#bdbdbd}
table.counts{width:auto}table.counts td,table.counts th{padding:5px 14px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;word-break:break-all}
.note{color:var(--muted);font-size:12px}
.warn{background:#fff4e5;border:1px solid #f9a825;padding:6px 10px;border-radius:4px}
a{color:#1565c0}
@media print{body{background:#fff}header{background:#fff;color:#000}header p{color:#333}
section{border:none;page-break-inside:avoid}table.sortable th::after{content:""}}
"""

# Sorts a table by the column clicked (or chosen with Enter), by each cell's data-key or its text; `#sort=ID:N`
# (or `#sort=ID:-N`, descending) in the address opens the page sorted. Marks <html data-sorted> when set up.
_SCRIPT = """
(function () {
  "use strict";
  function key(row, index, numeric) {
    var cell = row.cells[index], k = cell.getAttribute("data-key");
    if (k === null) { k = cell.textContent.trim(); }
    return numeric ? parseFloat(k) : k.toLowerCase();
  }
  function sort(table, index, ascending) {
    var heads = table.tHead.rows[0].cells, numeric = heads[index].getAttribute("data-type") === "num";
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    heads[index].setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows = rows.map(function (row, n) { return [key(row, index, numeric), n, row]; });
    rows.sort(function (a, b) {
      var order = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
      return (ascending ? order : -order) || a[1] - b[1];
    });
    rows.forEach(function (entry) { body.appendChild(entry[2]); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      function toggle() { sort(table, index, th.getAttribute("aria-sort") !== "ascending"); }
      th.addEventListener("click", toggle);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
      });
    });
  });
  var wanted = /^#sort=([A-Za-z0-9_.-]+):(-?)(\\d+)$/.exec(window.location.hash);
  if (wanted) {
    var table = document.getElementById(wanted[1]);
    if (table && table.tHead && +wanted[3] < table.tHead.rows[0].cells.length) {
      sort(table, +wanted[3], wanted[2] !== "-");
    }
  }
  document.documentElement.setAttribute("data-sorted", "ready");
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def h(value: str) -> str:
    """Input text as HTML text or attribute value: printable (control and bidi characters shown escaped, as on
    the console), then HTML-escaped."""
    return escape(printable(value), quote=True)


def natural_key(control_id: str) -> str:
    """A control id that sorts as the benchmark numbers it: 1.2 < 1.10, SC-7 < SC-12."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), control_id.lower())


def anchor(prefix: str, value: str) -> str:
    """An id attribute for `value` (a rule id, a framework id): only characters safe in a URL fragment."""
    return prefix + re.sub(r"[^A-Za-z0-9_.-]", "_", value)


def _generated() -> str:
    """When the report was made: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render(result: ScanResult, *, fail_on: Severity | None = None, fail_on_unknown: bool = False) -> str:
    findings_ids = {f.fingerprint: f"f-{i}" for i, f in enumerate(result.findings)}
    body = [_summary(result, fail_on, fail_on_unknown)]
    body += [_framework(fw, findings_ids) for fw in result.compliance]
    body.append(_findings(result, findings_ids))
    body.append(_remediations(result))
    if result.errors:
        body.append(_errors(result))
    policy = (f"default-src 'none'; style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    frameworks = ", ".join(f"{fw.framework.title} {fw.framework.version}" for fw in result.compliance)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Tenet report{': ' + h(frameworks) if frameworks else ''}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>Tenet security report</h1>",
        f"<p>{h(frameworks) + ' · ' if frameworks else ''}generated {_generated()} by tenet {h(__version__)}</p>",
        "</header>",
        "<main>",
        *body,
        "</main>",
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


def _summary(result: ScanResult, fail_on: Severity | None, fail_on_unknown: bool) -> str:
    table = by_family(result)
    rows = "".join(
        f"<tr><td>{family}</td>" + "".join(f'<td class="n">{row[c]}</td>' for c in COLUMNS) + "</tr>"
        for family, row in table.items())
    head = "".join(f'<th class="n">{COLUMN_LABELS[c]}</th>' for c in COLUMNS)
    chart = _bars({family: row for family, row in table.items()}, COLUMNS, COLUMN_COLOURS, COLUMN_LABELS,
                  "Findings per family and severity")
    legend = _legend((COLUMN_LABELS[c], f"sc-{c}") for c in COLUMNS)
    return (f'<section id="summary"><h2>Summary</h2><p class="meta">'
            f"{h(summary_line(result, fail_on=fail_on, fail_on_unknown=fail_on_unknown))}</p>"
            f'<div class="row"><div>{chart}</div>{legend}</div>'
            f'<table class="counts"><thead><tr><th>family</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
            "</section>")


def _legend(items: Iterable[tuple[str, str]]) -> str:
    return ('<ul class="legend">' + "".join(f'<li><span class="swatch {cls}"></span>{h(label)}</li>'
                                            for label, cls in items) + "</ul>")


def _bars(rows: Mapping[str, Mapping[str, int]], columns: Sequence[str], colours: Mapping[str, str],
          labels: Mapping[str, str], title: str) -> str:
    """Horizontal stacked bars, one per row, in inline SVG; each segment has a tooltip with its count."""
    width, label_width, bar_height, gap = 520, 110, 18, 8
    most = max([1, *(sum(r.values()) for r in rows.values())])
    scale = (width - label_width - 40) / most
    parts = []
    for i, (name, row) in enumerate(rows.items()):
        y = i * (bar_height + gap)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12" fill="#1f2933">{h(name)}</text>')
        x = float(label_width)
        for column in columns:
            n = row.get(column, 0)
            if n:
                w = n * scale
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                             f'fill="{colours[column]}"><title>{h(name)}: {n} {h(labels[column])}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 13}" font-size="12" fill="#52606d">{sum(row.values())}</text>')
    height = max(1, len(rows)) * (bar_height + gap)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{h(title)}"><title>{h(title)}</title>{"".join(parts)}</svg>')


def _donut(counts: Mapping[str, int], total: int, title: str) -> str:
    """Control statuses as a donut in inline SVG: a circle of circumference 100, one dashed stroke per status."""
    radius = 100 / (2 * 3.141592653589793)
    parts = [f'<circle cx="21" cy="21" r="{radius:.4f}" fill="none" stroke="#eef2f5" stroke-width="6"/>']
    done = 0.0
    for status, n in counts.items():
        if not n:
            continue
        share = 100 * n / max(1, total)
        parts.append(f'<circle cx="21" cy="21" r="{radius:.4f}" fill="none" stroke="{STATUS_COLOURS[status]}" '
                     f'stroke-width="6" stroke-dasharray="{share:.3f} {100 - share:.3f}" '
                     f'stroke-dashoffset="{25 - done:.3f}"><title>{n} {STATUS_LABELS[status]}</title></circle>')
        done += share
    parts.append(f'<text x="21" y="21" text-anchor="middle" font-size="8" font-weight="600" '
                 f'fill="#1f2933">{total}</text>')
    parts.append('<text x="21" y="27" text-anchor="middle" font-size="3.2" fill="#52606d">controls</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42" width="170" height="170" role="img" '
            f'aria-label="{h(title)}"><title>{h(title)}</title>{"".join(parts)}</svg>')


def _framework(result: FrameworkResult, findings_ids: Mapping[str, str]) -> str:
    fw = result.framework
    counts = {s.value: n for s, n in result.counts().items()}
    total = len(result.controls)
    donut = _donut(counts, total, f"{fw.title} {fw.version}: control statuses")
    legend = _legend((f"{counts[s]} {STATUS_LABELS[s]}", f"sw-{s}") for s in counts)
    families = {family: {s.value: n for s, n in row.items()} for family, row in result.by_family().items()}
    bars = _bars(families, list(STATUS_COLOURS), STATUS_COLOURS, STATUS_LABELS, f"{fw.title}: controls per family")
    family_rows = "".join(
        f"<tr><td>{h(family)}</td>" + "".join(f'<td class="n">{row[s]}</td>' for s in STATUS_COLOURS) + "</tr>"
        for family, row in families.items())
    family_head = "".join(f'<th class="n">{STATUS_LABELS[s]}</th>' for s in STATUS_COLOURS)
    link = f'<a href="{h(fw.url)}" rel="noreferrer">{h(fw.url)}</a>' if re.fullmatch(r"https?://\S+", fw.url) \
        else h(fw.url)
    scope = ", ".join(sorted(fw.providers)) or "every provider"
    table_id = anchor("controls-", fw.id)
    rows = []
    for c in result.controls:
        status = c.status.value
        rules = ", ".join(f'<a href="#{anchor("rule-", r)}">{h(r)}</a>' for r in c.control.rules)
        found = "".join(f'<div><a href="#{findings_ids[f.fingerprint]}">{h(f.rule_id)}</a> <code>{h(f.resource)}'
                        f"</code>{' (accepted)' if f.suppressed else ''}</div>" for f in c.findings
                        if f.fingerprint in findings_ids)
        note = f'<div class="note">{h(c.control.note)}</div>' if c.control.note and c.control.note != c.reason else ""
        rows.append(
            f'<tr><td data-key="{h(natural_key(c.control.id))}">{h(c.control.id)}</td>'
            f'<td data-key="{_STATUS_ORDER[status]}"><span class="badge s-{status}">{STATUS_LABELS[status]}</span></td>'
            f"<td>{h(c.control.title)}</td><td>{h(c.control.coverage)}</td><td>{rules}</td>"
            f'<td class="n" data-key="{len(c.findings)}">{len(c.findings)}</td>'
            f"<td>{h(c.reason)}{note}{found}</td></tr>")
    partial = ('<p class="warn">The run had errors: what could not be read was not evaluated, and the passes '
               "cover only what was.</p>") if result.partial else ""
    return (f'<section id="{anchor("fw-", fw.id)}"><h2>{h(fw.title)} {h(fw.version)}</h2>'
            f'<p class="meta"><code>{h(fw.id)}</code> · {h(fw.source)} · {link} · scope: {h(scope)}</p>{partial}'
            f'<div class="row"><div>{donut}</div>{legend}<div>{bars}</div></div>'
            f'<h3>Controls per family</h3><table class="counts"><thead><tr><th>family</th>{family_head}</tr></thead>'
            f"<tbody>{family_rows}</tbody></table>"
            f'<h3>Controls</h3><table class="sortable" id="{table_id}"><thead><tr><th>control</th>'
            '<th data-type="num">status</th><th>title</th><th>coverage</th><th>rules</th>'
            '<th class="n" data-type="num">findings</th><th>why</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _findings(result: ScanResult, findings_ids: Mapping[str, str]) -> str:
    if not result.findings:
        return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>'
    hints = {r.id: remediation_hint(r.remediation) for r in result.rules if r.remediation}
    rows = [_finding_row(f, findings_ids[f.fingerprint], hints) for f in result.findings]
    return ('<section id="findings"><h2>Findings</h2><table class="sortable" id="findings-table"><thead><tr>'
            '<th data-type="num">severity</th><th>rule</th><th>location</th><th>resource</th><th>message</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _finding_row(f: Finding, row_id: str, hints: Mapping[str, str]) -> str:
    if f.suppressed:
        kind, label, rank = "suppressed", "accepted", 0
    elif f.status is Status.UNKNOWN:
        kind, label, rank = "unknown", "could not evaluate", 1
    else:
        kind, label, rank = f.severity.value, f.severity.value, 1 + f.severity.rank
    located = where(f)
    if f.location is not None and f.location.end_line != f.location.start_line:
        located += f"-{f.location.end_line}"
    extra = []
    if f.module_chain:
        extra.append("via " + " &gt; ".join(f"<code>{h(c.path)}:{c.start_line}</code>" for c in f.module_chain))
    if f.account or f.region:
        extra.append(h(" ".join(p for p in (f.account, f.region) if p)))
    if f.drift:
        extra.append(h(f"drift: {f.drift}" + (f" ({f.drift_detail})" if f.drift_detail else "")))
    if f.suppressed:
        extra.append(h(f"accepted: {f.justification or 'no reason given'}"))
    hint = hints.get(f.rule_id)
    if hint and f.status is Status.FAIL:
        extra.append(f'fix: {h(hint)} <a href="#{anchor("rule-", f.rule_id)}">(remediation)</a>')
    details = "".join(f'<div class="note">{e}</div>' for e in extra)
    return (f'<tr id="{row_id}"><td data-key="{10 - rank}"><span class="badge v-{kind}">{label}</span></td>'
            f"<td>{h(f.rule_id)}<div class=\"note\">{h(f.title)}</div></td><td><code>{h(located)}</code></td>"
            f"<td><code>{h(f.resource)}</code><div class=\"note\">{h(f.resource_type)}</div></td>"
            f"<td>{h(f.message)}{details}</td></tr>")


def _remediations(result: ScanResult) -> str:
    """The rationale and remediation of every rule with a finding (and of every rule a shown control lists)."""
    wanted = {f.rule_id for f in result.findings}
    wanted |= {r for fw in result.compliance for c in fw.controls for r in c.control.rules}
    rules = [r for r in result.rules if r.id in wanted or (r.replaces and r.replaces in wanted)]
    if not rules:
        return ""
    items = []
    for r in rules:
        ids = [r.id, *([r.replaces] if r.replaces else [])]
        targets = "".join(f'<span id="{anchor("rule-", i)}"></span>' for i in ids)
        replaces = f" (replaces {h(r.replaces)})" if r.replaces else ""
        items.append(f"<h3>{targets}{h(r.id)} {h(r.title)}{replaces}</h3>"
                     f'<p class="note">{h(r.category.value)} · {h(r.severity.value)}</p>'
                     f"<p>{h(r.rationale)}</p>"
                     f"<p><strong>Remediation.</strong> {h(' '.join(r.remediation.split()))}</p>")
    return f'<section id="remediation"><h2>Rules and remediation</h2>{"".join(items)}</section>'


def _errors(result: ScanResult) -> str:
    rows = []
    for e in result.errors:
        at = (e.path or "<scan>") + (f":{e.line}" if e.line is not None else "")
        level = e.level.value
        badge = "fail" if e.level is ErrorLevel.ERROR else "manual"
        rows.append(f'<tr><td><span class="badge s-{badge}">{level}</span></td><td><code>{h(at)}</code></td>'
                    f"<td>{h(e.message)}</td></tr>")
    return ('<section id="errors"><h2>Errors and warnings</h2><table><thead><tr><th>level</th><th>where</th>'
            f"<th>message</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")
