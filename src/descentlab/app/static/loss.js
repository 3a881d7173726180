/* The loss curves: every trajectory faint in full, drawn up to the step shown, each
 * start in its dash (as on the map). */
import { lastShown } from "./geometry.js";
import { $, FONT, PLOT_CONFIG, legendPlace, state } from "./state.js";

export function drawLoss() {
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
  const positive = flat.filter((v) => v > 0);
  const log = positive.length > 0 && flat.every((v) => v >= 0) && state.landscape.levels === "log";
  // a loss of exactly 0 (L-BFGS at the minimum) sits on the log axis's floor, a decade
  // below the least positive loss, instead of turning the axis linear
  state.lossFloor = log ? Math.min(...positive) / 10 : null;
  const traces = [];
  race.labels.forEach((label, k) => {
    race.starts.forEach((_, s) => {
      traces.push({ type: "scatter", mode: "lines", x: alive[k][s].map((_, t) => t), y: floored(alive[k][s]),
        line: { color: race.colours[k], width: 1, dash: race.dashes[s] }, opacity: 0.25, hoverinfo: "skip", showlegend: false,
        legendgroup: label });
    });
  });
  race.labels.forEach((label, k) => {
    race.starts.forEach((_, s) => {
      traces.push({ type: "scatter", mode: "lines", x: [], y: [], name: label, legendgroup: label,
        showlegend: s === 0, line: { color: race.colours[k], width: 2.2, dash: race.dashes[s] },
        hovertemplate: `${label}<br>step %{x}: %{y:.4g}<extra></extra>` });
    });
  });
  traces.push({ type: "scatter", mode: "markers", x: [], y: [], showlegend: false, hoverinfo: "skip",
    marker: { size: 10, color: [].concat(...race.labels.map((_, k) => Array(race.starts.length).fill(race.colours[k]))),
      line: { color: "#000", width: 1 } } });
  const place = legendPlace(1.02, { l: 64, r: 20, t: 30, b: 42 }, { below: -0.4, room: 80 });
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

/** Losses as the axis can draw them: zeros on the log axis's floor. */
function floored(losses) {
  const floor = state.lossFloor;
  return floor === null || floor === undefined ? losses : losses.map((v) => (v !== null && v <= 0 ? floor : v));
}

export function renderLossStep(step) {
  const race = state.race;
  const gd = $("loss");
  if (!race || !gd.data || gd.data.length < 2) return;
  const n = race.labels.length * race.starts.length;
  const xs = [], ys = [], hx = [], hy = [];
  const symbols = [];
  race.losses.forEach((perStart, k) => perStart.forEach((losses, s) => {
    const gone = race.diverged_at[k][s];
    const last = lastShown(gone, step);
    const upto = floored(losses.slice(0, last + 1));
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

