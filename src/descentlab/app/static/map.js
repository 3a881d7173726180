/* The landscape, its starts and the map: the contour (or 1-D curve) or the 3-D surface,
 * with the race's trails and balls drawn step by step. */
import { api } from "./api.js";
import { bilinear, hover, interpolate, lift, shownPath, zRange } from "./geometry.js";
import { drawLoss, renderLossStep } from "./loss.js";
import { clearRace, updateSlider } from "./race.js";
import { showLimits } from "./frame.js";
import { ballSymbol, dashOf, domainEdge, domainEdge3d, markKeys, startKeys } from "./marks.js";
import { writeHash } from "./share.js";
import { showFormula } from "./spec.js";
import { $, EXPRESSION, FONT, PLOT_CONFIG, legendPlace, mapBox, mapField, state, updateExports } from "./state.js";
import { drawSweep } from "./sweep.js";

export function buildLandscapeSelect(list) {
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

export async function loadLandscape(text, { resetStarts = false } = {}) {
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
    showLimits(land, { clear: resetStarts && !state.restoring });
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
    // the refusal's fields: what was wrong, and what an expression may hold
    const detail = e.detail || {};
    const why = detail.reason || e.message;
    state.landscapeError = why;
    error.textContent = why;
    if (detail.allowed) {
      const hint = document.createElement("span");
      hint.className = "allowed";
      hint.textContent = detail.allowed;
      error.appendChild(hint);
    }
    if (text === input.value) input.classList.add("invalid");
    return false;
  }
}

export function renderStarts() {
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
  $("add-start").disabled = state.starts.length >= state.limits.starts;
}

export function startsChanged(rerender = true) {
  clearRace({ redraw: false });
  if (rerender) renderStarts();
  drawMap();
  drawLoss();
}

export function addStart(point) {
  if (state.starts.length >= state.limits.starts) state.starts.pop();
  state.starts.push(point);
  startsChanged();
}

export function mapFigure() {
  const land = state.landscape;
  const field = mapField();
  const box = mapBox();
  const race = state.race;
  const traces = [];
  const place = legendPlace(1.02, { l: 50, r: 20, t: 36, b: 44 }, { below: -0.24 });
  const layout = {
    margin: place.margin,
    font: FONT,
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fff",
    showlegend: true,
    legend: { ...place.legend, bgcolor: "rgba(255,255,255,0)" },
    uirevision: `${state.landscapeText}|${state.view}|${box.flat().join(",")}`,
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
    layout.xaxis = { range: box[0], title: { text: "x" }, zeroline: false, gridcolor: "#eef0f3" };
    layout.yaxis = { title: { text: "f(x)" }, zeroline: false, gridcolor: "#eef0f3" };
  } else if (!surface) {
    traces.push({ type: "contour", x: field.x, y: field.y, z: field.z, colorscale: "Viridis",
      ncontours: 32, contours: { coloring: "fill", showlines: true },
      line: { color: "rgba(255,255,255,0.35)", width: 0.5 }, showscale: false, name: land.name,
      hovertemplate: "x=%{x:.3f}<br>y=%{y:.3f}<extra></extra>" });
    if (race && race.past_domain) traces.push(...domainEdge(land.domain, box));
    traces.push({ type: "scatter", x: land.minima.map((m) => m.point[0]), y: land.minima.map((m) => m.point[1]),
      mode: "markers", marker: { symbol: "star", size: 16, color: "gold", line: { color: "#000", width: 1 } },
      name: "known minimum", hoverinfo: "x+y" });
    traces.push({ type: "scatter", x: state.starts.map((p) => p[0]), y: state.starts.map((p) => p[1]),
      mode: "markers+text", marker: { size: 15, color: "#fff", line: { color: "#000", width: 1.5 } },
      text: state.starts.map((_, i) => String(i + 1)), textfont: { size: 9 }, name: "start", hoverinfo: "x+y" });
    layout.xaxis = { range: box[0], title: { text: "x" }, constrain: "domain", showgrid: false, zeroline: false };
    layout.yaxis = { range: box[1], title: { text: "y" }, showgrid: false, zeroline: false,
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
    if (race && race.past_domain) traces.push(domainEdge3d(land.domain, box, field));
    traces.push({ type: "scatter3d", x: state.starts.map((p) => p[0]), y: state.starts.map((p) => p[1]),
      z: state.starts.map((p) => hover(lift(bilinear(field, p[0], p[1]), field))), mode: "markers+text",
      text: state.starts.map((_, i) => String(i + 1)), textposition: "top center",
      marker: { size: 5, color: "#fff", line: { color: "#000", width: 1.5 } }, name: "start" });
    layout.scene = {
      xaxis: { title: { text: "x" }, range: box[0] },
      yaxis: { title: { text: "y" }, range: box[1] },
      zaxis: { title: { text: field.transform === "log" ? "log10(f − min f)" : "f" }, range: zRange(field) },
      camera: { eye: { x: r * Math.cos(elev) * Math.cos(azim), y: r * Math.cos(elev) * Math.sin(azim),
        z: r * Math.sin(elev) } },
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.6 },
    };
  }
  if (race) {
    const n = race.labels.length * race.starts.length;
    state.firstTrail = traces.length;
    race.labels.forEach((label, k) => {
      race.starts.forEach((_, s) => {
        // the legend shows an optimizer by its colour, a start by its dash (startKeys)
        const trail = { name: label, legendgroup: label, showlegend: s === 0, hoverinfo: "skip",
          line: { color: race.colours[k], width: surface ? 5 : 2.5, dash: dashOf(race, s, surface) },
          mode: "lines", x: [], y: [] };
        traces.push(surface ? { ...trail, type: "scatter3d", z: [] } : { ...trail, type: "scatter" });
      });
    });
    // a ball kept at the view's edge is drawn whole, not cut by it
    const heads = { name: "now", showlegend: false, mode: "markers", x: [], y: [], hoverinfo: "skip", cliponaxis: false,
      marker: { size: surface ? 7 : 12, color: [].concat(...race.labels.map((_, k) => Array(race.starts.length).fill(race.colours[k]))),
        line: { color: "#000", width: 1.5 } } };
    traces.push(surface ? { ...heads, type: "scatter3d", z: [] } : { ...heads, type: "scatter" });
    traces.push(...startKeys(race, surface), ...markKeys(race, surface));
    state.trailCount = n;
  }
  return { traces, layout };
}

export function drawMap() {
  if (!state.landscape) return;
  const { traces, layout } = mapFigure();
  Plotly.react("map", traces, layout, PLOT_CONFIG);
  keepView();
  if (state.race) renderStep(state.step);
  updateSlider();
}

/** The contour map's axes span the box shown and no more: plotly's equal-scale
 * constraint may widen a range instead of narrowing the plot, showing ticks beyond the
 * colours. */
export function keepView() {
  const land = state.landscape, full = $("map")._fullLayout, box = mapBox();
  if (land.dim !== 2 || state.view === "surface" || !full || !full.xaxis) return;
  const off = (axis, [lo, hi]) => Math.abs(axis.range[0] - lo) + Math.abs(axis.range[1] - hi) > 1e-9 * (hi - lo);
  if (off(full.xaxis, box[0]) || off(full.yaxis, box[1])) {
    Plotly.relayout("map", { "xaxis.range": [...box[0]], "yaxis.range": [...box[1]] });
  }
}

/** Trails up to `step` and a ball at `step` for every trajectory, as the server cut them
 * at the view's edge: a ball past that edge is a hollow triangle where it crossed,
 * pointing out; a diverged one ends at its last good point, its ✕ where it was last seen
 * (as in the GIF export). */
export function renderStep(step) {
  const race = state.race;
  if (!race) return;
  const land = state.landscape;
  const surface = state.view === "surface" && land.dim === 2;
  const xs = [], ys = [], zs = [];
  const hx = [], hy = [], hz = [], symbols = [], rims = [], sizes = [];
  const ball = surface ? 7 : 12, count = race.labels.length;
  race.positions.forEach((perStart, k) => {
    perStart.forEach((_, s) => {
      const { points, loss, head, headLoss, out, dead } = shownPath(race, k, s, step);
      xs.push(points.map((p) => p[0]));
      ys.push(land.dim === 1 ? loss : points.map((p) => p[1]));
      if (surface) zs.push(loss.map((v) => hover(lift(v, land.field))));
      hx.push(head[0]);
      hy.push(land.dim === 1 ? headLoss : head[1]);
      if (surface) hz.push(hover(lift(headLoss, land.field)));
      symbols.push(ballSymbol(out, dead, surface));
      rims.push(out && !dead ? race.colours[k] : "#000"); // a hollow mark is drawn in its colour
      // marks at the edge nest by size, the first optimizer's largest: those that leave
      // or diverge at one place all stay seen
      sizes.push(out || dead ? ball + (surface ? 2 : 3) * Math.min(count - 1 - k, 4) : ball);
    });
  });
  const first = state.firstTrail;
  const indices = Array.from({ length: xs.length + 1 }, (_, i) => first + i);
  const update = { x: [...xs, hx], y: [...ys, hy], "marker.symbol": [...xs.map(() => "circle"), symbols],
    "marker.line.color": [...xs.map(() => "#000"), rims], "marker.size": [...xs.map(() => undefined), sizes] };
  if (surface) update.z = [...zs, hz];
  Plotly.restyle("map", update, indices);
  renderLossStep(step);
}

/** Clicking the contour map (or the 1-D curve) adds a start there. On a touch screen
 * plotly dispatches a click of its own after the browser's: one tap adds one start. */
export let lastClick = { time: -Infinity, x: NaN, y: NaN };

export function onMapClick(event) {
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

export function setView(view) {
  if (view === "surface" && state.landscape && state.landscape.dim !== 2) view = "contour";
  state.view = view;
  for (const b of document.querySelectorAll(".seg")) b.classList.toggle("active", b.dataset.view === view);
  drawMap();
  writeHash();
}

