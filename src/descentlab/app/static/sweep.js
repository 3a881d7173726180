/* The sweep tab: a grid of starts for each learning rate, mapped by the basin reached
 * (by viz.basins's rule, from the server), the final loss or the steps to tolerance. */
import { api } from "./api.js";
import { landscapeReady } from "./race.js";
import { writeHash } from "./share.js";
import { specOf } from "./spec.js";
import { $, FONT, LRS, PLOT_CONFIG, formatNumber, isPhone, setBusy, state } from "./state.js";

export function sweepConfig() {
  const name = $("sweep-optimizer").value;
  const resolution = Number($("sweep-resolution").value);
  const steps = Number($("sweep-steps").value);
  if (!Number.isInteger(resolution)) throw new Error("Starts per axis must be a whole number");
  const { steps: range, sweep_starts: per, sweep_work: most } = state.limits;
  if (resolution < per.min) throw new Error(`Starts per axis must be at least ${per.min}`);
  if (resolution > per.max) throw new Error(`Starts per axis must be at most ${per.max}`);
  if (!Number.isInteger(steps) || steps < range.min || steps > range.max) throw new Error(`Steps must be a whole number from ${range.min} to ${range.max}`);
  const work = LRS.length * resolution ** (state.landscape ? state.landscape.dim : 2) * steps;
  if (work > most) {
    throw new Error(`This sweep is too large: reduce starts per axis or steps (at most ${most.toLocaleString("en")} trajectory-steps over the ${LRS.length} learning rates).`);
  }
  return { landscape: state.landscapeText, optimizers: [specOf(name, { without: ["lr"] })], grid: { lr: LRS }, starts: resolution, steps };
}

export async function runSweep() {
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

export function setLr(index) {
  state.lrIndex = index;
  $("lr-slider").value = index;
  $("lr-label").textContent = `lr = ${formatNumber(LRS[index])}`;
  drawSweep();
}

export function drawSweep() {
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
  const phone = isPhone();
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

