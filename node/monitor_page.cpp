// The activity monitor's page: like Windows' Delivery Optimization activity monitor, downloads by
// source and uploads by peer class (since start, this month, all time), live rates, the jobs.
// Data goes into the page with textContent only, never as markup: job names are user text.
#include "node/monitor_page.h"

namespace donode::node {
namespace {

constexpr std::string_view kPage = R"donode_page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>donode activity monitor</title>
<style>
:root { --fg: #1b1b1b; --muted: #5f6368; --line: #e1e4e8; --card: #fff; --bg: #f3f4f6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); }
header { padding: 14px 24px; background: #0f3f6b; color: #fff; display: flex; align-items: baseline;
         gap: 16px; flex-wrap: wrap; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header .sub { opacity: .85; }
#status { margin-left: auto; font-size: 13px; }
#status.down { color: #ffb4a9; font-weight: 600; }
main { padding: 16px 24px; display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; }
section.wide { grid-column: 1 / -1; }
h2 { margin: 0 0 10px; font-size: 15px; font-weight: 600; }
h2 small { font-weight: 400; color: var(--muted); }
.split { display: flex; gap: 16px; align-items: center; }
.donut { flex: 0 0 120px; }
.split table { flex: 1 1 auto; min-width: 0; }
.donut text { font-size: 4.2px; fill: var(--fg); }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 4px 6px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
tbody th { white-space: normal; }
thead th { font-weight: 600; color: var(--muted); font-size: 12px; }
tr.sum td, tr.sum th { font-weight: 600; border-bottom: 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 10px; }
.card { flex: 1 1 140px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .v { font-size: 18px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
#rate-chart { width: 100%; height: 170px; display: block; border: 1px solid var(--line); border-radius: 4px;
              background: #fbfcfd; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin-top: 6px; }
.bar { width: 110px; height: 10px; background: #e8eaed; border-radius: 5px; overflow: hidden;
       display: inline-block; vertical-align: middle; margin-right: 6px; }
.bar > div { height: 100%; background: #0078d4; }
#jobs td.name { max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
#jobs td.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); }
.empty { color: var(--muted); text-align: center; padding: 12px; }
footer { padding: 0 24px 16px; color: var(--muted); font-size: 12px; }
footer a { color: inherit; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>Activity monitor</h1>
  <span class="sub" id="node">donode</span>
  <span class="sub" id="uptime"></span>
  <span id="status">connecting&hellip;</span>
</header>
<main>
  <section id="download-section">
    <h2>Download statistics <small id="download-month"></small></h2>
    <div class="split">
      <svg class="donut" id="download-chart" viewBox="0 0 42 42" role="img"
           aria-label="downloads this month by source"></svg>
      <table id="download-table">
        <thead><tr><th>Source</th><th>Since start</th><th>This month</th><th>All time</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="upload-section">
    <h2>Upload statistics <small id="upload-month"></small></h2>
    <div class="split">
      <svg class="donut" id="upload-chart" viewBox="0 0 42 42" role="img"
           aria-label="uploads this month by peer class"></svg>
      <table id="upload-table">
        <thead><tr><th>To</th><th>Since start</th><th>This month</th><th>All time</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section class="wide" id="activity-section">
    <h2>Activity <small>last two minutes</small></h2>
    <div class="cards">
      <div class="card"><div class="v" id="rate-down">&ndash;</div><div class="k">Download rate</div></div>
      <div class="card"><div class="v" id="rate-up">&ndash;</div><div class="k">Upload rate</div></div>
      <div class="card"><div class="v" id="jobs-active">&ndash;</div><div class="k">Jobs (active)</div></div>
      <div class="card"><div class="v" id="connections">&ndash;</div><div class="k">Connections (HTTP / peers)</div></div>
      <div class="card"><div class="v" id="cache">&ndash;</div><div class="k">Cache</div></div>
    </div>
    <svg id="rate-chart" viewBox="0 0 600 170" preserveAspectRatio="none" role="img"
         aria-label="transfer rates"></svg>
    <div class="legend" id="rate-legend"></div>
  </section>
  <section class="wide" id="jobs-section">
    <h2>Jobs</h2>
    <table id="jobs">
      <thead><tr><th>Name</th><th>Owner</th><th>State</th><th>Progress</th><th>Transferred</th>
        <th>Rate</th><th>From origin</th><th>From peers</th><th>Job ID</th></tr></thead>
      <tbody><tr><td colspan="9" class="empty">No jobs</td></tr></tbody>
    </table>
  </section>
</main>
<footer>Served by the node on loopback only. Data: <a href="/api/stats">/api/stats</a> &middot;
  Prometheus: <a href="/metrics">/metrics</a></footer>
<script>
'use strict';
const SOURCES = [
  ['http', 'From the origin (HTTP)', '#0078d4'], ['lan', 'From PCs on your local network', '#00a37a'],
  ['group', 'From PCs in your group', '#8764b8'], ['internet', 'From PCs on the Internet', '#e07000'],
  ['cache_host', 'From cache servers', '#c30078']];
const CLASSES = [
  ['lan', 'To PCs on your local network', '#00a37a'], ['group', 'To PCs in your group', '#8764b8'],
  ['internet', 'To PCs on the Internet', '#e07000']];
const PERIODS = [['since_start', 'start'], ['month', 'month'], ['total', 'total']];
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function fmtBytes(n) {
  if (n === null || n === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0, v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
}
const fmtRate = (n) => fmtBytes(n) + '/s';
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}
function setBytes(id, n) {
  const e = $(id);
  e.textContent = fmtBytes(n);
  e.dataset.bytes = String(n);
}

// One row per source or class, cells named <prefix>-<key>-<period>, plus a total row.
function buildTable(tableId, prefix, kinds) {
  const body = $(tableId).tBodies[0];
  for (const [key, label, color] of kinds.concat([['total', 'Total', '']])) {
    const tr = el('tr');
    tr.id = prefix + '-' + key;
    if (key === 'total') tr.className = 'sum';
    const th = el('th');
    if (color) { const s = el('span', undefined, 'swatch'); s.style.background = color; th.append(s); }
    th.append(label);
    tr.append(th);
    for (const [period, suffix] of PERIODS) {
      const td = el('td', '0 B');
      td.id = prefix + '-' + key + '-' + suffix;
      td.dataset.bytes = '0';
      tr.append(td);
    }
    body.append(tr);
  }
}

// A ring of arcs, one per kind, sized by this month's bytes (circumference 100 at r 15.915).
function drawDonut(id, kinds, values, total) {
  const chart = $(id);
  chart.replaceChildren(svg('circle', {cx: 21, cy: 21, r: 15.915, fill: 'none', stroke: '#e8eaed',
                                       'stroke-width': 6}));
  let offset = 25;
  for (const [key, , color] of kinds) {
    const pct = total > 0 ? 100 * values[key] / total : 0;
    if (pct <= 0) continue;
    chart.append(svg('circle', {cx: 21, cy: 21, r: 15.915, fill: 'none', stroke: color,
                                'stroke-width': 6, 'stroke-dasharray': pct + ' ' + (100 - pct),
                                'stroke-dashoffset': offset, 'data-key': key}));
    offset -= pct;
  }
  const label = svg('text', {x: 21, y: 22.5, 'text-anchor': 'middle'});
  label.textContent = fmtBytes(total);
  chart.append(label);
}

// Download rate by source and the upload total, as lines over the samples' times.
function drawRates(history) {
  const chart = $('rate-chart'), W = 600, H = 170, PAD = 14;
  chart.replaceChildren();
  const t = history.t || [];
  const series = [];
  for (const [key, label, color] of SOURCES)
    series.push({label: label.replace('From ', 'Down: '), color, values: history.download[key], dash: ''});
  const up = t.map((_, i) => CLASSES.reduce((s, [k]) => s + history.upload[k][i], 0));
  series.push({label: 'Up: all peers', color: '#444', values: up, dash: '4 3'});
  let max = 1;
  for (const s of series) for (const v of s.values) max = Math.max(max, v);
  for (let i = 1; i < 4; i++)
    chart.append(svg('line', {x1: 0, x2: W, y1: i * H / 4, y2: i * H / 4, stroke: '#eceff1'}));
  const legend = $('rate-legend');
  legend.replaceChildren();
  const n = Math.max(t.length, 2);
  for (const s of series) {
    if (!s.values.some((v) => v > 0) && s.dash === '' && s.label.indexOf('origin') < 0) continue;
    const pts = s.values.map((v, i) => (i * W / (n - 1)).toFixed(1) + ',' +
                                      (H - PAD - (H - 2 * PAD) * v / max).toFixed(1));
    chart.append(svg('polyline', {points: pts.join(' '), fill: 'none', stroke: s.color,
                                  'stroke-width': 2, 'stroke-dasharray': s.dash,
                                  'vector-effect': 'non-scaling-stroke'}));
    const item = el('span');
    const sw = el('span', undefined, 'swatch');
    sw.style.background = s.color;
    item.append(sw, s.label);
    legend.append(item);
  }
  legend.append(el('span', 'scale: ' + fmtRate(max)));
}

function drawJobs(jobs) {
  const body = $('jobs').tBodies[0];
  body.replaceChildren();
  if (jobs.length === 0) {
    const td = el('td', 'No jobs', 'empty');
    td.colSpan = 9;
    const tr = el('tr');
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const j of jobs) {
    const tr = el('tr');
    tr.dataset.id = j.id;
    const pct = j.progress === null ? null : Math.round(1000 * j.progress) / 10;
    const prog = el('td');
    const bar = el('span', undefined, 'bar');
    const fill = el('div');
    fill.style.width = (pct === null ? 0 : pct) + '%';
    bar.append(fill);
    prog.append(bar, pct === null ? '?' : pct + ' %');
    const peers = j.bytes_from.lan + j.bytes_from.group + j.bytes_from.internet;
    tr.append(el('td', j.name, 'name'), el('td', j.owner), el('td', j.state), prog,
              el('td', fmtBytes(j.bytes_transferred) + ' of ' + fmtBytes(j.bytes_total)),
              el('td', fmtRate(j.rate)), el('td', fmtBytes(j.bytes_from.http)),
              el('td', fmtBytes(peers)), el('td', j.id, 'id'));
    body.append(tr);
  }
}

function render(s) {
  $('node').textContent = s.node;
  $('uptime').textContent = 'up ' + Math.floor(s.uptime_s / 3600) + ' h ' +
                            Math.floor(s.uptime_s % 3600 / 60) + ' min';
  $('download-month').textContent = $('upload-month').textContent = 'month ' + s.month + ' (UTC)';
  for (const [prefix, kinds, data] of [['dl', SOURCES, s.downloaded], ['ul', CLASSES, s.uploaded]])
    for (const [period, suffix] of PERIODS)
      for (const [key] of kinds.concat([['total']]))
        setBytes(prefix + '-' + key + '-' + suffix, data[period][key]);
  drawDonut('download-chart', SOURCES, s.downloaded.month, s.downloaded.month.total);
  drawDonut('upload-chart', CLASSES, s.uploaded.month, s.uploaded.month.total);
  $('rate-down').textContent = fmtRate(s.rates.download.total);
  $('rate-up').textContent = fmtRate(s.rates.upload.total);
  const active = s.jobs.filter((j) => j.state === 'CONNECTING' || j.state === 'TRANSFERRING').length;
  $('jobs-active').textContent = s.jobs.length + ' (' + active + ')';
  const c = s.live.connections;
  $('connections').textContent = c ? c.http + ' / ' + (c.lan + c.group + c.internet) : '–';
  $('cache').textContent = s.live.cache_bytes === undefined ? '–'
      : fmtBytes(s.live.cache_bytes) + ' in ' + s.live.cached_items + ' item(s)';
  drawRates(s.history);
  drawJobs(s.jobs);
}

async function poll() {
  const status = $('status');
  try {
    const r = await fetch('/api/stats', {cache: 'no-store'});
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
    status.textContent = 'updated ' + new Date().toLocaleTimeString();
    status.className = '';
  } catch (e) {
    status.textContent = 'node not answering (' + e.message + ')';
    status.className = 'down';
  }
  setTimeout(poll, 1000);
}

buildTable('download-table', 'dl', SOURCES);
buildTable('upload-table', 'ul', CLASSES);
poll();
</script>
</body>
</html>
)donode_page";

}  // namespace

std::string_view monitor_page() {
  return kPage;
}

}  // namespace donode::node
