// gardenfleet dashboard: reads the JSON endpoints and polls them while open.
// Every value is set with textContent, never parsed as HTML.
"use strict";

const POLL_MS = 2000;
const PHASES = ["Stalled", "Upgrading", "Waiting", "Held", "UpToDate"];
// filter.wave: "" is every wave, "=NAME" the wave NAME, "=" the shoots of none.
const NO_FILTER = { phase: "", project: "", wave: "", q: "", page: 1 };
const state = { filter: { ...NO_FILTER }, labsKey: "", graphs: {} };
window.gardenfleetGraphs = state.graphs;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function phaseBadge(p) { return el("span", { class: "phase " + p }, p); }
function when(t) { return t ? new Date(t).toLocaleString() : ""; }
function ago(t) {
  if (!t) return "";
  const s = Math.max(0, Math.round((Date.now() - new Date(t).getTime()) / 1000));
  if (s < 120) return s + "s ago";
  if (s < 7200) return Math.round(s / 60) + "m ago";
  return Math.round(s / 3600) + "h ago";
}
function duration(s) {
  if (s < 120) return s + "s";
  if (s < 7200) return Math.round(s / 60) + "m";
  return Math.round(s / 3600) + "h";
}

function route() {
  const m = location.hash.match(/^#\/fleet\/([^/]+)\/([^/?]+)/);
  return m ? { ns: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) } : null;
}

function counts(phases, cls) {
  return el("div", { class: cls || "counts" }, ...PHASES.map(p =>
    el("span", { "data-phase-count": p, "data-count": phases[p] || 0 }, phaseBadge(p), " ", phases[p] || 0)));
}

// The wave's bake time: left, or over, or none.
function bakeText(w) {
  if (w.bakeLeft) return "bakes " + duration(w.bakeLeft) + " more";
  if (w.bakeUntil) return "baked";
  return "";
}

function lastError(e) {
  if (!e) return null;
  return el("div", { class: "error", id: "last-error" },
    el("b", {}, e.reason + ": "), e.position ? el("span", { class: "pos" }, e.position + " ") : null, e.message);
}

async function renderList(main) {
  const fleets = await getJSON("api/fleets");
  const rows = fleets.map(f => el("tr", { "data-fleet": f.namespace + "/" + f.name },
    el("td", {}, el("a", { href: "#/fleet/" + encodeURIComponent(f.namespace) + "/" + encodeURIComponent(f.name) }, f.namespace + "/" + f.name)),
    el("td", {}, f.source.url, el("br"), el("span", { class: "muted" }, f.source.ref + (f.source.path ? " · " + f.source.path : ""))),
    el("td", {}, el("code", {}, f.appliedRevision || "")),
    el("td", {}, ...f.conditions.filter(c => c.type === "Ready").map(c => el("span", { class: c.status }, c.status + " " + (c.reason || "")))),
    el("td", {}, counts(f.phases))));
  main.replaceChildren(el("h2", {}, "Fleets"), el("table", {},
    el("tr", {}, el("th", {}, "Fleet"), el("th", {}, "Source"), el("th", {}, "Applied"), el("th", {}, "Ready"), el("th", {}, "Shoots")),
    ...rows));
}

function fleetHead(f) {
  const conds = el("table", { id: "conditions" }, el("tr", {}, el("th", {}, "Condition"), el("th", {}, "Status"), el("th", {}, "Reason"), el("th", {}, "Message"), el("th", {}, "Since")),
    ...f.conditions.map(c => el("tr", {}, el("td", {}, c.type), el("td", { class: c.status }, c.status), el("td", {}, c.reason), el("td", {}, c.message), el("td", {}, when(c.since)))));
  const waves = el("div", { class: "waves", id: "waves" }, ...f.waves.map(w =>
    el("div", { class: "wave " + w.phase, "data-wave": w.name || "(none)", "data-bake-left": w.bakeLeft || 0,
      title: (w.completedAt ? "completed " + when(w.completedAt) : "") + (w.bakeUntil ? ", bakes until " + when(w.bakeUntil) : "") },
      el("b", {}, w.name || "(no wave)"), el("br"), w.phase + " · " + w.shoots + (w.shoots === 1 ? " shoot" : " shoots"),
      w.completedAt ? el("div", {}, "done " + ago(w.completedAt)) : null,
      bakeText(w) ? el("div", { class: "bake" }, bakeText(w)) : null,
      counts(w.phases || {}, "counts wave-counts"))));
  return [
    el("h2", {}, f.namespace + "/" + f.name, f.suspended ? " (suspended)" : ""),
    el("p", {}, "Source: ", f.source.url, " · ", f.source.ref, f.source.path ? " · " + f.source.path : ""),
    el("p", {}, "Applied: ", el("code", { id: "applied" }, f.appliedRevision || "none"), " · attempted: ", el("code", {}, f.attemptedRevision || "none")),
    lastError(f.lastError),
    conds,
    el("h3", {}, "Shoots (" + f.shoots + ")"), counts(f.phases),
    el("h3", {}, "Waves"), f.waves.length ? waves : el("p", { class: "muted" }, "No waves."),
  ];
}

function filters(f) {
  const phase = el("select", { id: "filter-phase" }, el("option", { value: "" }, "all phases"), ...PHASES.map(p => el("option", { value: p }, p)));
  phase.value = state.filter.phase;
  const proj = el("select", { id: "filter-project" }, el("option", { value: "" }, "all projects"), ...f.projects.map(p => el("option", { value: p }, p)));
  proj.value = state.filter.project;
  const wave = el("select", { id: "filter-wave" }, el("option", { value: "" }, "all waves"),
    ...f.waves.map(w => el("option", { value: "=" + w.name }, w.name || "(no wave)")));
  wave.value = state.filter.wave;
  const q = el("input", { id: "filter-q", placeholder: "name, reason, message", value: state.filter.q });
  const apply = () => { state.filter = { phase: phase.value, project: proj.value, wave: wave.value, q: q.value, page: 1 }; refresh(); };
  phase.onchange = proj.onchange = wave.onchange = apply;
  q.onchange = apply;
  return el("div", { class: "filters" }, phase, proj, wave, q);
}

function pools(p) {
  return Object.keys(p || {}).sort().map(k => "pool " + k + " " + p[k]).join(", ");
}

// "step N of M" once a step was applied, else how many are ahead.
function stepText(s) {
  if (!s.steps) return "";
  if (!s.step) return s.steps + (s.steps === 1 ? " step" : " steps") + " ahead";
  return "step " + s.step + " of " + s.steps;
}

function shootTable(page) {
  const rows = page.items.map(s => el("tr", { "data-shoot": s.namespace + "/" + s.name, "data-phase": s.phase },
    el("td", {}, s.namespace + "/" + s.name, el("br"), el("span", { class: "muted" }, "project " + s.project)),
    el("td", { class: "wave-name" }, s.wave || ""),
    el("td", {}, phaseBadge(s.phase), s.hibernated ? el("div", { class: "muted hibernated" }, "hibernated") : null),
    el("td", { class: "operation" }, s.lastOperation ? s.lastOperation.type + " " + s.lastOperation.state : ""),
    el("td", { class: "reason" }, s.reason || "", s.message ? el("div", { class: "message" }, s.message) : null),
    el("td", {}, "control plane " + (s.controlPlane || "?"), el("br"), pools(s.pools)),
    el("td", {}, s.target || ""),
    el("td", { class: "step" }, stepText(s), s.stepSince ? el("div", { class: "muted", title: when(s.stepSince) }, "since " + ago(s.stepSince)) : null)));
  const prev = el("button", { id: "prev" }, "‹ prev"), next = el("button", { id: "next" }, "next ›");
  prev.disabled = page.page <= 1; next.disabled = page.page >= page.pages;
  prev.onclick = () => { state.filter.page--; refresh(); };
  next.onclick = () => { state.filter.page++; refresh(); };
  return [
    el("table", { id: "shoots" }, el("tr", {}, el("th", {}, "Shoot"), el("th", {}, "Wave"), el("th", {}, "Phase"), el("th", {}, "Last operation"), el("th", {}, "Reason"), el("th", {}, "Live versions"), el("th", {}, "Target"), el("th", {}, "Step")), ...rows),
    el("p", { id: "pager" }, prev, " page " + page.page + " of " + Math.max(1, page.pages) + " (" + page.total + " listed" + (page.unlisted ? ", " + page.unlisted + " more the status only counts" : "") + ") ", next),
  ];
}

function drawLabs(box, labs) {
  const key = JSON.stringify(labs);
  if (key === state.labsKey && box.childElementCount) return;
  state.labsKey = key;
  box.replaceChildren();
  for (const k of Object.keys(state.graphs)) { state.graphs[k].destroy(); delete state.graphs[k]; }
  for (const lab of labs) {
    const id = lab.namespace + "/" + lab.name;
    const div = el("div", { class: "lab", "data-lab": id, "data-nodes": lab.nodes.length, "data-links": lab.links.length });
    box.append(el("h3", {}, "Lab " + id));
    if (lab.error) box.append(el("div", { class: "error" }, lab.error));
    box.append(div);
    const nodes = lab.nodes.map(n => ({ data: { id: n.name, label: n.name + (n.kind ? " (" + n.kind + ")" : "") } }));
    const links = lab.links.map((l, i) => ({ data: { id: "link" + i, source: l.a.split(":")[0], target: l.b.split(":")[0], src: l.a.split(":")[1] || "", dst: l.b.split(":")[1] || "" } }));
    state.graphs[id] = cytoscape({
      container: div, elements: nodes.concat(links), layout: { name: "cose", animate: false },
      style: [
        { selector: "node", style: { label: "data(label)", "background-color": "#23443a", color: "#222", "font-size": 10 } },
        { selector: "edge", style: { width: 2, "line-color": "#888", "curve-style": "bezier", "font-size": 8,
          "source-label": "data(src)", "target-label": "data(dst)", "source-text-offset": 24, "target-text-offset": 24 } },
      ],
    });
  }
}

async function renderFleet(main, r) {
  const base = "api/fleets/" + encodeURIComponent(r.ns) + "/" + encodeURIComponent(r.name);
  const p = new URLSearchParams({ page: state.filter.page });
  for (const k of ["phase", "project", "q"]) if (state.filter[k]) p.set(k, state.filter[k]);
  if (state.filter.wave) p.set("wave", state.filter.wave.slice(1));
  const [f, page] = await Promise.all([getJSON(base), getJSON(base + "/shoots?" + p)]);
  let labBox = document.getElementById("labs");
  const active = document.activeElement && document.activeElement.id;
  main.replaceChildren(...fleetHead(f).filter(x => x), filters(f), ...shootTable(page));
  if (active && document.getElementById(active)) document.getElementById(active).focus();
  if (f.labs > 0) {
    // The graphs survive a refresh: they are drawn again only when a lab changed.
    if (!labBox) labBox = el("div", { id: "labs" });
    main.append(el("h2", {}, "Labs"), labBox);
    drawLabs(labBox, await getJSON(base + "/labs"));
  }
}

let timer = null;
async function refresh() {
  clearTimeout(timer);
  const main = document.getElementById("main");
  try {
    const r = route();
    if (r) await renderFleet(main, r); else await renderList(main);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  } catch (e) {
    main.replaceChildren(el("div", { class: "error" }, String(e.message || e)));
  }
  timer = setTimeout(refresh, POLL_MS);
}

window.addEventListener("hashchange", () => { state.filter = { ...NO_FILTER }; state.labsKey = ""; refresh(); });
refresh();
