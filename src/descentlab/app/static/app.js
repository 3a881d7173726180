/* descentlab playground: pick a landscape, click starts, tick optimizers, race them. */
"use strict";

const MAX_STARTS = 10;
const MAX_STEPS = 1000;
const MAX_SWEEP_RESOLUTION = 60; // as the API's schemas.py
const MAX_SWEEP_WORK = 20_000_000; // learning rates x starts x steps, as the API's schemas.py
const DEFAULT_LANDSCAPE = "beale";
const DEFAULT_OPTIMIZERS = ["sgd", "momentum", "adam"];
/** Starting hyperparameters of the page: the registry's lr of 1e-3 everywhere makes a dull
 * first race, so the adaptive methods start at rates that show them at work. */
const PAGE_DEFAULTS = { sgd: { lr: 1e-3 }, momentum: { lr: 1e-3 }, nesterov: { lr: 1e-3 },
  adagrad: { lr: 0.5 }, rmsprop: { lr: 0.01 }, adam: { lr: 0.1 } };
const EXPRESSION = "__expression__";
const HIDDEN_PARAMS = new Set(["maximize"]);
const LRS = Array.from({ length: 17 }, (_, i) => +(10 ** (-4 + i / 4)).toPrecision(3));
const FONT = { family: "Inter, Segoe UI, Helvetica Neue, Arial, sans-serif", size: 12, color: "#1f2937" };
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

const $ = (id) => document.getElementById(id);

/** Where a plot's legend goes: above it, or below it on a phone, where the plot toolbar
 * (plotly's modebar) would cover a legend at the top. */
function legendPlace(top, margin) {
  if (!window.matchMedia("(max-width: 760px)").matches) return { legend: { orientation: "h", y: top, x: 0 }, margin };
  return { legend: { orientation: "h", x: 0, y: -0.16, yanchor: "top" }, margin: { ...margin, t: 24, b: margin.b + 56 } };
}

const state = {
  tab: "race",
  view: "contour",
  landscapes: [],
  optimizers: new Map(), // name -> {info, checked, values, element}
  landscape: null, // the sampled landscape from /api/landscape
  landscapeText: "beale",
  starts: [],
  race: null,
  step: 0,
  playing: false,
  clock: null,
  sweep: null,
  lrIndex: 8,
  busy: false,
  landscapeError: "", // why the typed expression failed to load ("" when it loaded)
  loadedText: "beale", // what the page last asked /api/landscape for, as typed
  blamed: [], // inputs and cards marked by the last server error
};

/* ---------- helpers ---------- */

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response;
}

function formatNumber(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : (+v.toPrecision(4)).toString();
}

function pyValue(v) {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return `(${v.map(pyValue).join(", ")})`;
  return String(v);
}

function sameValue(a, b) {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** "adam(lr=0.1, betas=(0.9, 0.99))" -> {name, kwargs}; null when unreadable. */
function parseSpec(text) {
  const m = /^\s*([a-z0-9_]+)\s*(?:\((.*)\))?\s*$/i.exec(text || "");
  if (!m) return null;
  const kwargs = {};
  const inner = m[2] || "";
  const parts = [];
  let depth = 0, current = "";
  for (const ch of inner) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) { parts.push(current); current = ""; } else current += ch;
  }
  if (current.trim()) parts.push(current);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (raw === "True" || raw === "False") kwargs[key] = raw === "True";
    else if (raw.startsWith("(")) kwargs[key] = raw.replace(/[()]/g, "").split(",").map(Number);
    else kwargs[key] = Number(raw);
  }
  return { name: m[1].toLowerCase(), kwargs };
}

function lift(value, field) {
  if (value === null || value === undefined) return null;
  return field.transform === "log" ? Math.log10(Math.max(value - field.low, field.floor)) : value;
}

function setBusy(flag) {
  state.busy = flag;
  for (const id of ["race", "sweep-run", "export-csv"]) $(id).disabled = flag;
  updateExports();
}

/** GIF and MP4 need a 2-D landscape: on a 1-D one their buttons are off and say why. */
function updateExports() {
  const flat = Boolean(state.landscape && state.landscape.dim === 1);
  for (const format of ["gif", "mp4"]) {
    const button = $(`export-${format}`);
    button.dataset.title = button.dataset.title || button.title;
    button.disabled = state.busy || flat;
    button.title = flat ? `${format.toUpperCase()} needs a 2-D landscape; CSV works for 1-D ones` : button.dataset.title;
  }
}

/** A short notice under the header (an invalid share link, ...); empty hides it. */
function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = !text;
}

/* ---------- optimizers ---------- */

function buildOptimizers(list) {
  const host = $("optimizers");
  const sweepSelect = $("sweep-optimizer");
  for (const info of list) {
    const entry = { info, checked: false, values: { ...info.defaults }, element: null, inputs: {} };
    state.optimizers.set(info.name, entry);
    const box = document.createElement("div");
    box.className = "opt";
    box.style.setProperty("--colour", info.colour);
    box.innerHTML = `
      <label><input type="checkbox" id="opt-${info.name}"><span class="swatch"></span>
        <span>${info.name}</span></label>
      <div class="details" hidden>
        <div class="summary"></div>
        <div class="formula"></div>
        <div class="params"></div>
        <p class="reference muted"></p>
      </div>`;
    box.querySelector(".summary").textContent = info.summary;
    box.querySelector(".reference").textContent = info.reference;
    const params = box.querySelector(".params");
    for (const [key, value] of Object.entries(info.defaults)) {
      if (HIDDEN_PARAMS.has(key)) continue;
      const label = document.createElement("label");
      label.textContent = key;
      label.htmlFor = `opt-${info.name}-${key}`;
      params.appendChild(label);
      params.appendChild(paramInput(entry, key, value));
    }
    box.querySelector("input[type=checkbox]").addEventListener("change", (e) => {
      setChecked(info.name, e.target.checked);
    });
    host.appendChild(box);
    entry.element = box;
    const option = new Option(info.name, info.name);
    sweepSelect.appendChild(option);
  }
}

function paramInput(entry, key, value) {
  const id = `opt-${entry.info.name}-${key}`;
  if (typeof value === "boolean") {
    const input = document.createElement("input");
    input.type = "checkbox";
    input.id = id;
    input.checked = value;
    input.addEventListener("change", () => { entry.values[key] = input.checked; });
    entry.inputs[key] = [input];
    return input;
  }
  const values = Array.isArray(value) ? value : [value];
  const wrap = document.createElement("div");
  wrap.className = "pair";
  entry.inputs[key] = values.map((v, i) => {
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.id = Array.isArray(value) ? `${id}-${i}` : id;
    input.value = v;
    input.addEventListener("input", () => {
      const n = input.value.trim() === "" ? NaN : Number(input.value);
      input.classList.toggle("invalid", !Number.isFinite(n));
      if (Array.isArray(value)) entry.values[key][i] = n; else entry.values[key] = n;
    });
    wrap.appendChild(input);
    return input;
  });
  if (Array.isArray(value)) entry.values[key] = [...value];
  return Array.isArray(value) ? wrap : entry.inputs[key][0];
}

function setChecked(name, checked) {
  const entry = state.optimizers.get(name);
  entry.checked = checked;
  entry.element.querySelector("input[type=checkbox]").checked = checked;
  entry.element.classList.toggle("on", checked);
  entry.element.querySelector(".details").hidden = !checked;
  const formula = entry.element.querySelector(".formula");
  if (checked && !formula.firstChild) showFormula(formula, `optimizer=${encodeURIComponent(name)}`, entry.info.formula);
}

function setValues(name, kwargs) {
  const entry = state.optimizers.get(name);
  for (const [key, value] of Object.entries(kwargs)) {
    if (!(key in entry.inputs)) continue;
    const inputs = entry.inputs[key];
    if (typeof value === "boolean") { inputs[0].checked = value; entry.values[key] = value; continue; }
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => { if (inputs[i]) inputs[i].value = v; });
    entry.values[key] = Array.isArray(value) ? [...value] : value;
  }
}

/** The spec string of a ticked optimizer: only what differs from the defaults. */
function specOf(name, { without = [] } = {}) {
  const entry = state.optimizers.get(name);
  const args = [];
  for (const [key, value] of Object.entries(entry.values)) {
    if (without.includes(key)) continue;
    const bad = (Array.isArray(value) ? value : [value]).some((v) => typeof v === "number" && !Number.isFinite(v));
    if (bad) throw new Error(`${name}: ${key} needs a number`);
    if (!sameValue(value, entry.info.defaults[key])) args.push(`${key}=${pyValue(value)}`);
  }
  return args.length ? `${name}(${args.join(", ")})` : name;
}

function chosenSpecs() {
  return [...state.optimizers.values()].filter((e) => e.checked).map((e) => specOf(e.info.name));
}

function showFormula(host, query, latex) {
  const img = new Image();
  img.alt = latex;
  img.className = "formula-img";
  img.onerror = () => { host.innerHTML = ""; const c = document.createElement("code"); c.textContent = latex; host.appendChild(c); };
  img.src = `/api/formula.svg?${query}`;
  host.innerHTML = "";
  host.appendChild(img);
}

/* ---------- landscape ---------- */

function buildLandscapeSelect(list) {
  const select = $("landscape-select");
  for (const land of list) {
    const dims = land.dim === 1 ? " (1-D)" : "";
    select.appendChild(new Option(`${land.name}${dims}`, land.name));
  }
  select.appendChild(new Option("expression…", EXPRESSION));
  select.addEventListener("change", () => {
    const typed = select.value === EXPRESSION;
    $("expression-row").hidden = !typed;
    if (typed) { $("expression").focus(); return; }
    loadLandscape(select.value, { resetStarts: true });
  });
  $("expression-apply").addEventListener("click", () => loadLandscape($("expression").value, { resetStarts: true }));
  $("expression").addEventListener("keydown", (e) => {
    if (e.key === "Enter") loadLandscape($("expression").value, { resetStarts: true });
  });
}

async function loadLandscape(text, { resetStarts = false } = {}) {
  const error = $("landscape-error");
  const input = $("expression");
  try {
    const land = await (await api(`/api/landscape?name=${encodeURIComponent(text)}`)).json();
    error.textContent = "";
    input.classList.remove("invalid");
    state.landscapeError = "";
    state.loadedText = text.trim();
    state.landscape = land;
    state.landscapeText = land.expression === null ? land.name : land.expression;
    if (resetStarts || !state.starts.length || state.starts[0].length !== land.dim) state.starts = [land.start];
    clearRace({ redraw: false });
    state.sweep = null;
    $("sweep-status").textContent = "";
    showFormula($("landscape-formula"), `landscape=${encodeURIComponent(state.landscapeText)}`, land.formula);
    $("landscape-description").textContent = land.description;
    $("view-surface").disabled = land.dim !== 2;
    if (!state.restoring) $("sweep-colour").value = land.minima.length > 1 ? "basin" : "final_loss";
    if (land.dim !== 2) state.view = "contour";
    updateExports();
    renderStarts();
    drawMap();
    drawLoss();
    drawSweep();
    return true;
  } catch (e) {
    const [why, allowed] = e.message.split("; allowed: ");
    state.landscapeError = why;
    error.textContent = why;
    if (allowed) {
      const hint = document.createElement("span");
      hint.className = "allowed";
      hint.textContent = `allowed: ${allowed}`;
      error.appendChild(hint);
    }
    if (text === input.value) input.classList.add("invalid");
    return false;
  }
}

/* ---------- starts ---------- */

function renderStarts() {
  const list = $("starts");
  list.innerHTML = "";
  const dim = state.landscape ? state.landscape.dim : 2;
  state.starts.forEach((point, index) => {
    const li = document.createElement("li");
    li.innerHTML = `<span class="dot">${index + 1}</span>`;
    for (let axis = 0; axis < dim; axis++) {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.className = `start-${"xy"[axis]}`;
      input.setAttribute("aria-label", `start ${index + 1} ${"xy"[axis]}`);
      input.value = +(+point[axis]).toPrecision(4);
      input.addEventListener("change", () => {
        const n = Number(input.value);
        input.classList.toggle("invalid", input.value.trim() === "" || !Number.isFinite(n));
        if (Number.isFinite(n)) { state.starts[index][axis] = n; startsChanged(false); }
      });
      li.appendChild(input);
    }
    const remove = document.createElement("button");
    remove.textContent = "×";
    remove.title = "remove this start";
    remove.addEventListener("click", () => { state.starts.splice(index, 1); startsChanged(); });
    li.appendChild(remove);
    list.appendChild(li);
  });
  $("add-start").disabled = state.starts.length >= MAX_STARTS;
}

function startsChanged(rerender = true) {
  clearRace({ redraw: false });
  if (rerender) renderStarts();
  drawMap();
  drawLoss();
}

function addStart(point) {
  if (state.starts.length >= MAX_STARTS) state.starts.pop();
  state.starts.push(point);
  startsChanged();
}

/* ---------- the map ---------- */

function mapFigure() {
  const land = state.landscape;
  const field = land.field;
  const race = state.race;
  const traces = [];
  const place = legendPlace(1.07, { l: 50, r: 20, t: 36, b: 44 });
  const layout = {
    margin: place.margin,
    font: FONT,
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fff",
    showlegend: true,
    legend: { ...place.legend, bgcolor: "rgba(255,255,255,0)" },
    uirevision: `${state.landscapeText}|${state.view}`,
    hovermode: "closest",
    dragmode: false,
  };
  const surface = state.view === "surface" && land.dim === 2;
  const valueAt = (x) => interpolate(field.x, field.z, x);

  if (land.dim === 1) {
    traces.push({ type: "scatter", x: field.x, y: field.z, mode: "lines", line: { color: "#111827", width: 2 },
      name: "f", showlegend: false, hoverinfo: "x+y" });
    traces.push({ type: "scatter", x: land.minima.map((m) => m.point[0]), y: land.minima.map((m) => m.value),
      mode: "markers", marker: { symbol: "star", size: 15, color: "gold", line: { color: "#000", width: 1 } },
      name: "known minimum", hoverinfo: "x+y" });
    traces.push({ type: "scatter", x: state.starts.map((p) => p[0]), y: state.starts.map((p) => valueAt(p[0])),
      mode: "markers+text", marker: { size: 15, color: "#fff", line: { color: "#000", width: 1.5 } },
      text: state.starts.map((_, i) => String(i + 1)), textfont: { size: 9 }, name: "start", hoverinfo: "x" });
    layout.xaxis = { range: land.domain[0], title: { text: "x" }, zeroline: false, gridcolor: "#eef0f3" };
    layout.yaxis = { title: { text: "f(x)" }, zeroline: false, gridcolor: "#eef0f3" };
  } else if (!surface) {
    traces.push({ type: "contour", x: field.x, y: field.y, z: field.z, colorscale: "Viridis",
      ncontours: 32, contours: { coloring: "fill", showlines: true },
      line: { color: "rgba(255,255,255,0.35)", width: 0.5 }, showscale: false, name: land.name,
      hovertemplate: "x=%{x:.3f}<br>y=%{y:.3f}<extra></extra>" });
    traces.push({ type: "scatter", x: land.minima.map((m) => m.point[0]), y: land.minima.map((m) => m.point[1]),
      mode: "markers", marker: { symbol: "star", size: 16, color: "gold", line: { color: "#000", width: 1 } },
      name: "known minimum", hoverinfo: "x+y" });
    traces.push({ type: "scatter", x: state.starts.map((p) => p[0]), y: state.starts.map((p) => p[1]),
      mode: "markers+text", marker: { size: 15, color: "#fff", line: { color: "#000", width: 1.5 } },
      text: state.starts.map((_, i) => String(i + 1)), textfont: { size: 9 }, name: "start", hoverinfo: "x+y" });
    layout.xaxis = { range: land.domain[0], title: { text: "x" }, constrain: "domain", showgrid: false, zeroline: false };
    layout.yaxis = { range: land.domain[1], title: { text: "y" }, showgrid: false, zeroline: false,
      scaleanchor: "x", scaleratio: 1, constrain: "domain" };
  } else {
    const [elev, azim] = land.view.map((d) => (d * Math.PI) / 180);
    const r = 1.75;
    // every third sample: a smooth surface at a ninth of the cost to draw
    const every = (a) => a.filter((_, i) => i % 3 === 0 || i === a.length - 1);
    traces.push({ type: "surface", x: every(field.x), y: every(field.y), z: every(field.z).map(every),
      colorscale: "Viridis", opacity: 0.92, showscale: false, name: land.name,
      hoverinfo: "skip", lighting: { ambient: 0.75, diffuse: 0.6, specular: 0.05, roughness: 0.9 } });
    const minZ = land.minima.map((m) => hover(lift(m.value, field)));
    traces.push({ type: "scatter3d", x: land.minima.map((m) => m.point[0]), y: land.minima.map((m) => m.point[1]),
      z: minZ, mode: "markers", marker: { symbol: "diamond", size: 6, color: "gold", line: { color: "#000", width: 1 } },
      name: "known minimum" });
    traces.push({ type: "scatter3d", x: state.starts.map((p) => p[0]), y: state.starts.map((p) => p[1]),
      z: state.starts.map((p) => hover(lift(bilinear(field, p[0], p[1]), field))), mode: "markers+text",
      text: state.starts.map((_, i) => String(i + 1)), textposition: "top center",
      marker: { size: 5, color: "#fff", line: { color: "#000", width: 1.5 } }, name: "start" });
    layout.scene = {
      xaxis: { title: { text: "x" }, range: land.domain[0] },
      yaxis: { title: { text: "y" }, range: land.domain[1] },
      zaxis: { title: { text: field.transform === "log" ? "log10(f − min f)" : "f" }, range: zRange(field) },
      camera: { eye: { x: r * Math.cos(elev) * Math.cos(azim), y: r * Math.cos(elev) * Math.sin(azim),
        z: r * Math.sin(elev) } },
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.6 },
    };
  }
  if (race) {
    const n = race.labels.length * race.starts.length;
    race.labels.forEach((label, k) => {
      race.starts.forEach((_, s) => {
        const trail = { name: label, legendgroup: label, showlegend: s === 0, hoverinfo: "skip",
          line: { color: race.colours[k], width: surface ? 5 : 2.5 }, mode: "lines", x: [], y: [] };
        traces.push(surface ? { ...trail, type: "scatter3d", z: [] } : { ...trail, type: "scatter" });
      });
    });
    const heads = { name: "now", showlegend: false, mode: "markers", x: [], y: [], hoverinfo: "skip",
      marker: { size: surface ? 7 : 12, color: [].concat(...race.labels.map((_, k) => Array(race.starts.length).fill(race.colours[k]))),
        line: { color: "#000", width: 1.5 } } };
    traces.push(surface ? { ...heads, type: "scatter3d", z: [] } : { ...heads, type: "scatter" });
    state.trailCount = n;
  }
  return { traces, layout };
}

function drawMap() {
  if (!state.landscape) return;
  const { traces, layout } = mapFigure();
  Plotly.react("map", traces, layout, PLOT_CONFIG);
  keepDomain();
  if (state.race) renderStep(state.step);
  updateSlider();
}

/** The contour map's axes span its domain and no more: plotly's equal-scale constraint
 * may widen a range instead of narrowing the plot, showing ticks beyond the colours. */
function keepDomain() {
  const land = state.landscape, full = $("map")._fullLayout;
  if (land.dim !== 2 || state.view === "surface" || !full || !full.xaxis) return;
  const off = (axis, [lo, hi]) => Math.abs(axis.range[0] - lo) + Math.abs(axis.range[1] - hi) > 1e-9 * (hi - lo);
  if (off(full.xaxis, land.domain[0]) || off(full.yaxis, land.domain[1])) {
    Plotly.relayout("map", { "xaxis.range": [...land.domain[0]], "yaxis.range": [...land.domain[1]] });
  }
}

/** Trails up to `step` and a ball at `step` for every trajectory; a diverged one ends
 * at its last good point, and its ✕ sits where it left the map (as in the GIF export). */
function renderStep(step) {
  const race = state.race;
  if (!race) return;
  const land = state.landscape;
  const surface = state.view === "surface" && land.dim === 2;
  const xs = [], ys = [], zs = [];
  const hx = [], hy = [], hz = [], symbols = [];
  race.positions.forEach((perStart, k) => {
    perStart.forEach((path, s) => {
      const losses = race.losses[k][s];
      const gone = race.diverged_at[k][s];
      const dead = gone >= 0 && step >= gone;
      const last = lastShown(gone, step);
      const upto = path.slice(0, last + 1);
      const { points, from } = clipPath(upto, land.domain);
      const lossOf = (p, i) => (p[0] === null ? null : from[i] === null ? valueAt(land, p) : losses[from[i]]);
      xs.push(points.map((p) => p[0]));
      ys.push(land.dim === 1 ? points.map(lossOf) : points.map((p) => p[1]));
      if (surface) zs.push(points.map((p, i) => hover(lift(lossOf(p, i), land.field))));
      const head = dead ? edgePoint(upto, land.domain) : upto[upto.length - 1];
      const headLoss = head === upto[upto.length - 1] ? losses[last] : valueAt(land, head);
      hx.push(head[0]);
      hy.push(land.dim === 1 ? headLoss : head[1]);
      if (surface) hz.push(hover(lift(headLoss, land.field)));
      symbols.push(dead ? "x" : "circle");
    });
  });
  const first = 3;
  const indices = Array.from({ length: xs.length + 1 }, (_, i) => first + i);
  const update = { x: [...xs, hx], y: [...ys, hy], "marker.symbol": [...xs.map(() => "circle"), symbols] };
  if (surface) update.z = [...zs, hz];
  Plotly.restyle("map", update, indices);
  renderLossStep(step);
}

/** The last step drawn at `step` of a run that diverged at `gone` (-1: never). */
function lastShown(gone, step) {
  return gone >= 0 ? Math.max(0, Math.min(step, gone - 1)) : step;
}

function inDomain(p, domain) {
  return p.every((v, i) => v !== null && Number.isFinite(v) && v >= domain[i][0] && v <= domain[i][1]);
}

/** Where the segment a -> b, a inside the domain, crosses its edge. */
function crossing(a, b, domain) {
  let t = 1;
  domain.forEach(([lo, hi], i) => {
    if (b[i] === null || !Number.isFinite(b[i])) t = 0;
    else if (b[i] > hi) t = Math.min(t, (hi - a[i]) / (b[i] - a[i]));
    else if (b[i] < lo) t = Math.min(t, (lo - a[i]) / (b[i] - a[i]));
  });
  return a.map((v, i) => v + Math.max(0, t) * (b[i] - v));
}

/** A path as drawn: outside the domain a gap, ending (and resuming) at the edge. `from`
 * holds each drawn point's step, null for edge points. */
function clipPath(path, domain) {
  const points = [], from = [];
  path.forEach((p, i) => {
    const inside = inDomain(p, domain);
    const before = i > 0 ? inDomain(path[i - 1], domain) : inside;
    if (inside && !before && path[i - 1].every((v) => v !== null)) { points.push(crossing(p, path[i - 1], domain)); from.push(null); }
    if (!inside && before && i > 0) { points.push(crossing(path[i - 1], p, domain)); from.push(null); }
    points.push(inside ? p : p.map(() => null));
    from.push(inside ? i : null);
  });
  return { points, from };
}

/** Where a path is last seen: its last point if inside the domain, else where it last
 * left it (or its start). */
function edgePoint(path, domain) {
  if (inDomain(path[path.length - 1], domain)) return path[path.length - 1];
  for (let i = path.length - 2; i >= 0; i--) if (inDomain(path[i], domain)) return crossing(path[i], path[i + 1], domain);
  return path[0];
}

/** f at a point of the map, from the sampled field (un-lifted). */
function valueAt(land, p) {
  if (p[0] === null) return null;
  return land.dim === 1 ? interpolate(land.field.x, land.field.z, p[0]) : bilinear(land.field, p[0], p[1]);
}

/** The surface's height range with room for the floating trails; what leaves it is clipped. */
function zRange(field) {
  const values = field.z.flat().filter((v) => v !== null);
  const lo = Math.min(...values), hi = Math.max(...values);
  return [lo - 0.02 * (hi - lo), hi + 0.06 * (hi - lo)];
}

/** Trails float a little above the surface so it never hides them. */
function hover(z) {
  const field = state.landscape.field;
  if (field.span === undefined) {
    const values = field.z.flat().filter((v) => v !== null);
    field.span = Math.max(...values) - Math.min(...values) || 1;
  }
  return z === null ? null : z + 0.02 * field.span;
}

function interpolate(xs, ys, x) {
  if (!xs.length) return null;
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) {
      const t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
      return ys[i - 1] === null || ys[i] === null ? null : ys[i - 1] + t * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

/** The shaded (already lifted) field near (x, y): good enough to place start markers. */
function bilinear(field, x, y) {
  const i = nearest(field.x, x), j = nearest(field.y, y);
  const v = field.z[j][i];
  if (v === null || field.transform !== "log") return v;
  return 10 ** v + field.low; // undo the lift; `lift` applies it again
}

function nearest(axis, v) {
  let best = 0;
  for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i] - v) < Math.abs(axis[best] - v)) best = i;
  return best;
}

/** Clicking the contour map (or the 1-D curve) adds a start there. On a touch screen
 * plotly dispatches a click of its own after the browser's: one tap adds one start. */
let lastClick = { time: -Infinity, x: NaN, y: NaN };
function onMapClick(event) {
  const again = event.timeStamp - lastClick.time < 600 &&
    Math.hypot(event.clientX - lastClick.x, event.clientY - lastClick.y) < 12;
  lastClick = { time: event.timeStamp, x: event.clientX, y: event.clientY };
  if (again) return;
  const gd = $("map");
  if (!state.landscape || state.view === "surface" || !gd._fullLayout || !gd._fullLayout.xaxis) return;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset;
  const py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
  const x = +xa.p2d(px).toPrecision(4);
  if (state.landscape.dim === 1) { addStart([x]); return; }
  addStart([x, +ya.p2d(py).toPrecision(4)]);
}

/* ---------- loss curves ---------- */

function drawLoss() {
  const race = state.race;
  if (!race) {
    Plotly.react("loss", [], { font: FONT, margin: { l: 60, r: 20, t: 30, b: 40 },
      xaxis: { visible: false }, yaxis: { visible: false },
      annotations: [{ text: "Loss curves appear here after a race.", showarrow: false,
        font: { color: "#9ca3af", size: 13 }, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }] }, PLOT_CONFIG);
    return;
  }
  const alive = race.losses.map((perStart, k) => perStart.map((losses, s) => losses.slice(0, lastShown(race.diverged_at[k][s], race.steps) + 1)));
  const flat = alive.flat(2).filter((v) => v !== null);
  const log = flat.length > 0 && flat.every((v) => v > 0) && state.landscape.levels === "log";
  const traces = [];
  race.labels.forEach((label, k) => {
    race.starts.forEach((_, s) => {
      traces.push({ type: "scatter", mode: "lines", x: alive[k][s].map((_, t) => t), y: alive[k][s],
        line: { color: race.colours[k], width: 1 }, opacity: 0.25, hoverinfo: "skip", showlegend: false,
        legendgroup: label });
    });
  });
  race.labels.forEach((label, k) => {
    race.starts.forEach((_, s) => {
      traces.push({ type: "scatter", mode: "lines", x: [], y: [], name: label, legendgroup: label,
        showlegend: s === 0, line: { color: race.colours[k], width: 2.2 },
        hovertemplate: `${label}<br>step %{x}: %{y:.4g}<extra></extra>` });
    });
  });
  traces.push({ type: "scatter", mode: "markers", x: [], y: [], showlegend: false, hoverinfo: "skip",
    marker: { size: 10, color: [].concat(...race.labels.map((_, k) => Array(race.starts.length).fill(race.colours[k]))),
      line: { color: "#000", width: 1 } } });
  const place = legendPlace(1.15, { l: 64, r: 20, t: 30, b: 42 });
  const layout = {
    font: FONT, margin: place.margin, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    xaxis: { title: { text: "step" }, range: [0, race.steps], gridcolor: "#eef0f3", zeroline: false },
    yaxis: { title: { text: "loss f" }, type: log ? "log" : "linear", gridcolor: "#eef0f3", zeroline: false,
      exponentformat: "power" },
    legend: place.legend,
    shapes: [{ type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1,
      line: { color: "#9ca3af", width: 1, dash: "dot" } }],
    uirevision: "loss",
  };
  if (!log && flat.length) {
    const lo = Math.min(...flat), hi = Math.max(...flat);
    const pad = (hi - lo) * 0.05 || 1;
    layout.yaxis.range = [lo - pad, hi + pad];
  }
  Plotly.react("loss", traces, layout, PLOT_CONFIG);
  renderLossStep(state.step);
}

function renderLossStep(step) {
  const race = state.race;
  const gd = $("loss");
  if (!race || !gd.data || gd.data.length < 2) return;
  const n = race.labels.length * race.starts.length;
  const xs = [], ys = [], hx = [], hy = [];
  const symbols = [];
  race.losses.forEach((perStart, k) => perStart.forEach((losses, s) => {
    const gone = race.diverged_at[k][s];
    const last = lastShown(gone, step);
    const upto = losses.slice(0, last + 1);
    xs.push(upto.map((_, t) => t));
    ys.push(upto);
    hx.push(last);
    hy.push(upto[upto.length - 1]);
    symbols.push(gone >= 0 && step >= gone ? "x" : "circle");
  }));
  const indices = Array.from({ length: n + 1 }, (_, i) => n + i);
  const update = { x: [...xs, hx], y: [...ys, hy], "marker.symbol": [...xs.map(() => "circle"), symbols] };
  Plotly.update(gd, update, { "shapes[0].x0": step, "shapes[0].x1": step }, indices);
}

/* ---------- playing ---------- */

function updateSlider() {
  const slider = $("step-slider");
  const steps = state.race ? state.race.steps : 0;
  slider.max = steps;
  slider.value = state.step;
  slider.disabled = !state.race;
  $("play").disabled = !state.race;
  $("step-label").textContent = state.race ? `step ${state.step} / ${steps}` : "step 0";
}

function setStep(step) {
  state.step = step;
  renderStep(step);
  $("step-slider").value = step;
  $("step-label").textContent = `step ${step} / ${state.race.steps}`;
}

function play() {
  if (!state.race) return;
  if (state.step >= state.race.steps) setStep(0);
  state.playing = true;
  $("play").innerHTML = "&#10074;&#10074;";
  $("play").setAttribute("aria-label", "pause");
  let last = performance.now();
  let position = state.step;
  const tick = (now) => {
    if (!state.playing || !state.race) return;
    const speed = Number($("speed").value);
    const rate = Math.max(30, state.race.steps / 6) * speed; // steps per second
    position = Math.min(state.race.steps, position + (Math.max(0, now - last) / 1000) * rate);
    last = now;
    const step = Math.floor(position);
    if (step !== state.step) setStep(step);
    if (step >= state.race.steps) { pause(); return; }
    state.clock = requestAnimationFrame(tick);
  };
  state.clock = requestAnimationFrame(tick);
}

function pause() {
  state.playing = false;
  if (state.clock) cancelAnimationFrame(state.clock);
  state.clock = null;
  $("play").innerHTML = "&#9654;";
  $("play").setAttribute("aria-label", "play");
}

/* ---------- race ---------- */

function raceConfig() {
  const steps = Number($("steps").value);
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) throw new Error(`Steps must be a whole number from 1 to ${MAX_STEPS}`);
  const optimizers = chosenSpecs();
  if (!optimizers.length) throw new Error("tick at least one optimizer");
  if (optimizers.length > 8) throw new Error("race at most 8 optimizers at once");
  if (!state.starts.length) throw new Error("add a start: click the map");
  return { landscape: state.landscapeText, optimizers, starts: state.starts, steps };
}

/** Whether the landscape on the page is the one its fields show: a typed expression
 * that was not applied yet is loaded first; one that does not load stops the race. */
async function landscapeReady() {
  if ($("landscape-select").value !== EXPRESSION) return true;
  const typed = $("expression").value.trim();
  if (!typed) throw new Error("Type an expression, or pick a landscape.");
  if (typed === state.loadedText && !state.landscapeError) return true;
  if (await loadLandscape(typed)) return true;
  throw new Error("The expression is invalid (see under it): fix it, or pick a landscape.");
}

/** The divergences of a race, in words: "sgd(lr=1) diverged at step 2". */
function divergences(race) {
  const lines = [];
  race.labels.forEach((label, k) => race.starts.forEach((_, s) => {
    const at = race.diverged_at[k][s];
    if (at < 0) return;
    const where = race.starts.length > 1 ? ` from start ${s + 1}` : "";
    lines.push(at === 0 ? `${label} diverged at its start${where} (f is not finite there)` : `${label} diverged at step ${at}${where}`);
  }));
  return lines.length > 3 ? `${lines.slice(0, 3).join("; ")}; and ${lines.length - 3} more diverged.` : lines.length ? `${lines.join("; ")}.` : "";
}

/** Drop a result that no longer matches the page, and the lines that described it. */
function clearRace({ redraw = true } = {}) {
  pause();
  state.race = null;
  state.step = 0;
  if (redraw) { drawMap(); drawLoss(); }
  $("race-status").textContent = "";
  $("race-diverged").textContent = "";
  $("export-status").textContent = "";
  stale();
}

/** The configuration changed: a share link or download message shown describes the old one. */
function stale() {
  $("share-box").hidden = true;
  $("share-url").value = "";
  $("share-note").textContent = "";
}

/** Point at what a server error names: the optimizer card whose spec (or class) leads the
 * message, and its fields whose names the message mentions. */
function blame(message) {
  for (const element of state.blamed) element.classList.remove("invalid", "blamed");
  state.blamed = [];
  const chosen = [...state.optimizers.values()].filter((e) => e.checked);
  let entry = chosen.find((e) => { try { return message.startsWith(`${specOf(e.info.name)}: `); } catch (_) { return false; } });
  const lead = /^(\w+): /.exec(message);
  if (!entry && lead) entry = chosen.find((e) => e.info.name === lead[1].toLowerCase());
  if (!entry) return;
  entry.element.classList.add("blamed");
  state.blamed.push(entry.element);
  const rest = message.slice(message.indexOf(": ") + 2);
  for (const [key, inputs] of Object.entries(entry.inputs)) {
    if (!new RegExp(`(^|[^\\w])${key}([^\\w]|$)`).test(rest)) continue;
    for (const input of inputs) { input.classList.add("invalid"); state.blamed.push(input); }
  }
}

async function runRace() {
  const error = $("race-error");
  let config;
  try {
    await landscapeReady();
    config = raceConfig();
  } catch (e) { error.textContent = e.message; clearRace(); $("race-status").textContent = ""; return false; }
  error.textContent = "";
  blame("");
  notify("");
  pause();
  stale();
  $("export-status").textContent = "";
  setBusy(true);
  $("race-status").textContent = "racing…";
  $("race-diverged").textContent = "";
  const began = performance.now();
  try {
    state.race = await (await api("/api/race", config)).json();
    state.step = 0;
    const r = state.race;
    $("race-status").textContent = `${r.landscape.name}: ${r.labels.length} optimizer(s) × ${r.starts.length} start(s) × ${r.steps} steps in ${Math.round(performance.now() - began)} ms.`;
    $("race-diverged").textContent = divergences(r);
    drawMap();
    drawLoss();
    writeHash();
    play();
    return true;
  } catch (e) {
    error.textContent = e.message;
    blame(e.message);
    clearRace();
    $("race-status").textContent = "";
    return false;
  } finally {
    setBusy(false);
  }
}

function setView(view) {
  if (view === "surface" && state.landscape && state.landscape.dim !== 2) view = "contour";
  state.view = view;
  for (const b of document.querySelectorAll(".seg")) b.classList.toggle("active", b.dataset.view === view);
  drawMap();
  writeHash();
}

/* ---------- sweep ---------- */

function sweepConfig() {
  const name = $("sweep-optimizer").value;
  const resolution = Number($("sweep-resolution").value);
  const steps = Number($("sweep-steps").value);
  if (!Number.isInteger(resolution)) throw new Error("Starts per axis must be a whole number");
  if (resolution < 2) throw new Error("Starts per axis must be at least 2");
  if (resolution > MAX_SWEEP_RESOLUTION) throw new Error(`Starts per axis must be at most ${MAX_SWEEP_RESOLUTION}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) throw new Error(`Steps must be a whole number from 1 to ${MAX_STEPS}`);
  const work = LRS.length * resolution ** (state.landscape ? state.landscape.dim : 2) * steps;
  if (work > MAX_SWEEP_WORK) {
    throw new Error(`This sweep is too large: reduce starts per axis or steps (at most ${MAX_SWEEP_WORK.toLocaleString("en")} trajectory-steps over the ${LRS.length} learning rates).`);
  }
  return { landscape: state.landscapeText, optimizer: specOf(name, { without: ["lr"] }), lrs: LRS, resolution, steps };
}

async function runSweep() {
  const error = $("sweep-error");
  let config;
  try {
    await landscapeReady();
    config = sweepConfig();
  } catch (e) { error.textContent = e.message; return; }
  error.textContent = "";
  setBusy(true);
  $("sweep-status").textContent = "sweeping…";
  const began = performance.now();
  try {
    state.sweep = await (await api("/api/sweep", config)).json();
    const count = state.sweep.axes.reduce((n, a) => n * a.length, 1) * LRS.length;
    $("sweep-status").textContent = `${count.toLocaleString()} trajectories in ${Math.round(performance.now() - began)} ms`;
    drawSweep();
    writeHash();
  } catch (e) {
    error.textContent = e.message;
    state.sweep = null;
    drawSweep();
    $("sweep-status").textContent = "";
  } finally {
    setBusy(false);
  }
}

function setLr(index) {
  state.lrIndex = index;
  $("lr-slider").value = index;
  $("lr-label").textContent = `lr = ${formatNumber(LRS[index])}`;
  drawSweep();
}

function drawSweep() {
  const sweep = state.sweep;
  const land = state.landscape;
  if (!sweep || !land) {
    Plotly.react("basin", [], { font: FONT, xaxis: { visible: false }, yaxis: { visible: false },
      annotations: [{ text: `Press Sweep to map ${$("sweep-optimizer").value || "an optimizer"}: every start of a grid races, and the map shows where each ends.`,
        showarrow: false, font: { color: "#9ca3af", size: 13 }, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }] }, PLOT_CONFIG);
    $("sweep-summary").textContent = "";
    return;
  }
  const map = sweep.maps[state.lrIndex] || sweep.maps[0];
  let by = $("sweep-colour").value;
  if (by === "basin" && !land.minima.length) by = "final_loss";
  const [xs] = sweep.axes;
  const ys = land.dim === 2 ? sweep.axes[1] : [0];
  const rows = (grid) => (land.dim === 2 ? grid : [grid]);
  const traces = [];
  const phone = window.matchMedia("(max-width: 760px)").matches;
  let colorscale, z, zmin, zmax, colorbar, text;
  let legend = [];
  if (by === "basin") {
    // as viz.basins: a start that never came within tol of a known minimum's value reached
    // none of them, whichever is nearest (0 diverged, 1 none, 2 + i minimum i)
    const palette = [sweep.palette.diverged, sweep.palette.none,
      ...land.minima.map((_, i) => sweep.palette.basins[i % sweep.palette.basins.length])];
    colorscale = [];
    palette.forEach((c, i) => { colorscale.push([i / palette.length, c], [(i + 1) / palette.length, c]); });
    z = rows(map.ends_at).map((row) => row.map((code) => code + 2));
    zmin = -0.5; zmax = palette.length - 0.5;
    const names = ["diverged", "no known minimum reached", ...land.minima.map((m) => `minimum (${m.point.map(formatNumber).join(", ")})`)];
    legend = names.map((name, i) => ({ type: "scatter", mode: "markers", x: [null], y: [null], name, hoverinfo: "skip",
      marker: { symbol: "square", size: 13, color: palette[i], line: { color: "#6b7280", width: 1 } } }));
  } else if (by === "final_loss") {
    const low = land.minima.length ? Math.min(...land.minima.map((m) => m.value)) : Math.min(...map.final_loss.flat().filter((v) => v !== null));
    z = rows(map.final_loss).map((row) => row.map((v) => (v === null ? null : Math.log10(Math.max(v - low, 1e-12)))));
    colorscale = "Viridis"; colorbar = { title: { text: "log10(f − min f)" }, len: 0.8 };
  } else {
    z = rows(map.steps_to_tol).map((row) => row.map((v) => (v < 0 ? null : v)));
    colorscale = "Viridis"; colorbar = { title: { text: "steps to tol" }, len: 0.8 };
    zmin = 0; zmax = sweep.steps;
  }
  text = rows(map.final_loss).map((row) => row.map((v) => formatNumber(v)));
  if (colorbar && phone) Object.assign(colorbar, { orientation: "h", y: -0.28, yanchor: "top", len: 1, thickness: 14 });
  traces.push({ type: "heatmap", x: xs, y: ys, z, colorscale, zmin, zmax, colorbar, text, showscale: !legend.length,
    hovertemplate: "start (%{x:.3f}, %{y:.3f})<br>final loss %{text}<extra></extra>", xgap: 0, ygap: 0 });
  if (land.dim === 2) {
    traces.push({ type: "contour", x: land.field.x, y: land.field.y, z: land.field.z, ncontours: 18,
      contours: { coloring: "none" }, line: { color: "rgba(31,41,55,0.3)", width: 0.8 }, showscale: false,
      hoverinfo: "skip", showlegend: false });
    traces.push({ type: "scatter", mode: "markers", x: land.minima.map((m) => m.point[0]), y: land.minima.map((m) => m.point[1]),
      marker: { symbol: "star", size: 16, color: "gold", line: { color: "#000", width: 1 } }, hoverinfo: "skip", showlegend: false });
  }
  traces.push(...legend);
  // on a phone the legend goes below the map and the title under the plot toolbar
  const layout = {
    showlegend: legend.length > 0, font: FONT, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    margin: phone ? { l: 44, r: 12, t: 64, b: 150 } : { l: 54, r: 20, t: 40, b: 44 },
    legend: phone ? { orientation: "h", x: 0, y: -0.22, yanchor: "top" }
      : { x: 1.02, y: 1, xanchor: "left", title: { text: "ends at" } },
    title: { text: `${sweep.optimizer} with lr = ${formatNumber(map.lr)} on ${land.name}`, x: 0.01, font: { size: 14 },
      ...(phone ? { y: 1, yref: "paper", yanchor: "bottom", pad: { b: 10 } } : {}) },
    // a frame round the map: starts that reached no minimum are white, as in viz.basins
    xaxis: { range: land.domain[0], title: { text: "start x" }, constrain: "domain", showline: true, mirror: true, linecolor: "#9ca3af" },
    yaxis: land.dim === 2 ? { range: land.domain[1], title: { text: "start y" }, scaleanchor: "x", constrain: "domain",
      showline: true, mirror: true, linecolor: "#9ca3af" }
      : { visible: false },
    uirevision: "basin",
  };
  Plotly.react("basin", traces, layout, PLOT_CONFIG);
  const total = map.basin.flat().length;
  const diverged = map.diverged.flat().filter(Boolean).length;
  const reached = map.steps_to_tol.flat().filter((v) => v >= 0);
  const median = reached.length ? reached.sort((a, b) => a - b)[Math.floor(reached.length / 2)] : null;
  $("sweep-summary").textContent = `lr = ${formatNumber(map.lr)}: ${reached.length} of ${total} starts come within ${sweep.tol} of the lowest known value` +
    `${median === null ? "" : ` (median ${median} steps)`}; ${diverged} diverged.`;
}

/* ---------- share links ---------- */

function configParams() {
  const params = new URLSearchParams();
  params.set("tab", state.tab);
  params.set("landscape", state.landscapeText);
  for (const p of state.starts) params.append("start", p.join(","));
  params.set("steps", $("steps").value);
  params.set("view", state.view);
  for (const e of state.optimizers.values()) if (e.checked) params.append("opt", specOf(e.info.name));
  const sweepName = $("sweep-optimizer").value;
  if (sweepName) params.set("sopt", specOf(sweepName, { without: ["lr"] }));
  params.set("sres", $("sweep-resolution").value);
  params.set("ssteps", $("sweep-steps").value);
  params.set("lr", String(state.lrIndex));
  params.set("colour", $("sweep-colour").value);
  return params;
}

function shareUrl() {
  return `${location.origin}${location.pathname}#${configParams().toString()}`;
}

let lastHash = "";
function writeHash() {
  try {
    lastHash = `#${configParams().toString()}`;
    history.replaceState(null, "", lastHash);
  } catch (_) { /* an invalid field: keep the old link */ }
}

/** A whole number from a link within [lo, hi], or null (noting `label` in `bad` when given but invalid). */
function linkInteger(params, key, lo, hi, label, bad) {
  if (!params.has(key)) return null;
  const n = Number(params.get(key));
  if (params.get(key).trim() !== "" && Number.isInteger(n) && n >= lo && n <= hi) return n;
  bad.add(label);
  return null;
}

/** Restore a share link; invalid parts fall back to the defaults, with a short notice. */
async function restore(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (!params.has("landscape")) return false;
  const bad = new Set();
  const text = params.get("landscape");
  const select = $("landscape-select");
  const known = state.landscapes.some((l) => l.name === text);
  select.value = known ? text : EXPRESSION;
  $("expression-row").hidden = known;
  if (!known) $("expression").value = text;
  const raw = params.getAll("start").map((s) => s.split(",").map((v) => (v.trim() === "" ? NaN : Number(v))));
  const starts = raw.filter((p) => p.length >= 1 && p.length <= 2 && p.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6));
  if (starts.length < raw.length || starts.length > MAX_STARTS) bad.add("starts");
  state.starts = starts.slice(0, MAX_STARTS);
  const steps = linkInteger(params, "steps", 1, MAX_STEPS, "steps", bad);
  if (steps !== null) $("steps").value = steps;
  for (const name of state.optimizers.keys()) setChecked(name, false);
  for (const spec of params.getAll("opt")) {
    const parsed = parseSpec(spec);
    if (!parsed || !state.optimizers.has(parsed.name)) { bad.add("optimizers"); continue; }
    setValues(parsed.name, { ...state.optimizers.get(parsed.name).info.defaults, ...parsed.kwargs });
    setChecked(parsed.name, true);
  }
  const ticked = [...state.optimizers.values()].some((e) => e.checked);
  if (!ticked) for (const name of DEFAULT_OPTIMIZERS) setChecked(name, true);
  const sweepSpec = parseSpec(params.get("sopt") || "");
  if (sweepSpec && state.optimizers.has(sweepSpec.name)) {
    $("sweep-optimizer").value = sweepSpec.name;
    const entry = state.optimizers.get(sweepSpec.name);
    if (!entry.checked) setValues(sweepSpec.name, { ...entry.info.defaults, ...sweepSpec.kwargs, lr: entry.values.lr });
  } else if (params.has("sopt")) bad.add("sweep optimizer");
  const sres = linkInteger(params, "sres", 2, MAX_SWEEP_RESOLUTION, "starts per axis", bad);
  if (sres !== null) $("sweep-resolution").value = sres;
  const ssteps = linkInteger(params, "ssteps", 1, MAX_STEPS, "sweep steps", bad);
  if (ssteps !== null) $("sweep-steps").value = ssteps;
  const colours = [...$("sweep-colour").options].map((o) => o.value);
  if (colours.includes(params.get("colour"))) $("sweep-colour").value = params.get("colour");
  else if (params.has("colour")) bad.add("colour");
  const lr = linkInteger(params, "lr", 0, LRS.length - 1, "learning rate", bad);
  if (lr !== null) setLr(lr);
  state.view = params.get("view") === "surface" ? "surface" : "contour";
  for (const b of document.querySelectorAll(".seg")) b.classList.toggle("active", b.dataset.view === state.view);
  setTab(params.get("tab") === "sweep" ? "sweep" : "race");
  state.restoring = true;
  let loaded = await loadLandscape(text, { resetStarts: !state.starts.length });
  if (!loaded) {
    bad.add("landscape");
    select.value = DEFAULT_LANDSCAPE;
    $("expression-row").hidden = true;
    $("expression").value = "";
    $("expression").classList.remove("invalid");
    $("landscape-error").textContent = "";
    loaded = await loadLandscape(DEFAULT_LANDSCAPE, { resetStarts: true });
  }
  state.restoring = false;
  if (bad.size) notify(`This link had invalid parts (${[...bad].join(", ")}); the defaults are used for them.`);
  if (!loaded) return true;
  if (state.tab === "race" && ticked) await runRace();
  if (state.tab === "sweep" && sweepSpec) await runSweep();
  if (bad.size) notify(`This link had invalid parts (${[...bad].join(", ")}); the defaults are used for them.`);
  return true;
}

async function share() {
  const url = shareUrl();
  writeHash();
  $("share-box").hidden = false;
  $("share-url").value = url;
  $("share-url").select();
  try {
    await navigator.clipboard.writeText(url);
    $("share-note").textContent = "copied to the clipboard";
  } catch (_) {
    $("share-note").textContent = "copy the link above";
  }
}

/* ---------- export ---------- */

async function exportRace(format) {
  const status = $("export-status");
  let config;
  try {
    await landscapeReady();
    config = raceConfig();
  } catch (e) { status.textContent = `Export: ${e.message}`; return; }
  setBusy(true);
  status.textContent = format === "csv" ? "Writing CSV…" : `Rendering ${format.toUpperCase()} on the server…`;
  try {
    const view = state.view === "surface" ? "surface" : "contour";
    const response = await api("/api/export", { ...config, format, view });
    const blob = await response.blob();
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `race.${format}`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    status.textContent = `Downloaded ${name} (${Math.round(blob.size / 1024)} KB).`;
  } catch (e) {
    status.textContent = `Export failed: ${e.message}`;
    blame(e.message);
  } finally {
    setBusy(false);
  }
}

/* ---------- tabs and start-up ---------- */

function setTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  $("race-panel").hidden = tab !== "race";
  $("sweep-panel").hidden = tab !== "sweep";
  if (tab === "sweep") { drawSweep(); Plotly.Plots.resize("basin"); } else { Plotly.Plots.resize("map"); }
}

function wire() {
  $("race").addEventListener("click", runRace);
  $("play").addEventListener("click", () => (state.playing ? pause() : play()));
  $("step-slider").addEventListener("input", (e) => { pause(); setStep(Number(e.target.value)); });
  for (const b of document.querySelectorAll(".seg")) b.addEventListener("click", () => { stale(); setView(b.dataset.view); });
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => { stale(); setTab(b.dataset.tab); writeHash(); });
  $("map").addEventListener("click", onMapClick);
  $("add-start").addEventListener("click", () => {
    const land = state.landscape;
    if (!land) return;
    addStart(land.domain.map(([lo, hi]) => +(lo + Math.random() * (hi - lo)).toPrecision(3)));
  });
  $("clear-starts").addEventListener("click", () => { state.starts = []; startsChanged(); });
  $("sweep-run").addEventListener("click", runSweep);
  $("lr-slider").addEventListener("input", (e) => setLr(Number(e.target.value)));
  $("sweep-colour").addEventListener("change", drawSweep);
  $("sweep-optimizer").addEventListener("change", () => {
    const name = $("sweep-optimizer").value;
    const lr = (PAGE_DEFAULTS[name] || state.optimizers.get(name).info.defaults).lr;
    state.sweep = null; // the map shown was another optimizer's
    $("sweep-status").textContent = "";
    setLr(nearest(LRS, lr));
  });
  $("share").addEventListener("click", share);
  $("notice-close").addEventListener("click", () => notify(""));
  // a share link shown describes the configuration it was made from
  document.querySelector(".layout").addEventListener("change", (e) => {
    if (!["speed", "step-slider"].includes(e.target.id)) stale();
  });
  for (const format of ["gif", "mp4", "csv"]) $(`export-${format}`).addEventListener("click", () => exportRace(format));
  window.addEventListener("hashchange", () => { if (location.hash !== lastHash) restore(location.hash); });
}

async function start() {
  wire();
  const [optimizers, landscapes] = await Promise.all([
    api("/api/optimizers").then((r) => r.json()),
    api("/api/landscapes").then((r) => r.json()),
  ]);
  state.landscapes = landscapes;
  buildOptimizers(optimizers);
  buildLandscapeSelect(landscapes);
  for (const [name, values] of Object.entries(PAGE_DEFAULTS)) if (state.optimizers.has(name)) setValues(name, values);
  $("sweep-optimizer").value = "adam";
  setLr(nearest(LRS, 0.01));
  updateSlider();
  const restored = location.hash.length > 1 && (await restore(location.hash));
  if (!restored) {
    $("landscape-select").value = DEFAULT_LANDSCAPE;
    for (const name of DEFAULT_OPTIMIZERS) setChecked(name, true);
    await loadLandscape(DEFAULT_LANDSCAPE, { resetStarts: true });
  }
  document.body.dataset.ready = "true";
}

start().catch((e) => { $("race-error").textContent = `The page could not start: ${e.message}`; });
