/* descentlab playground: pick a landscape, click starts, tick optimizers, race them.
 * The page's entry: wires the controls and loads the catalogs and limits. */
import { api, loadLimits } from "./api.js";
import { showLimits, limitsPending } from "./frame.js";
import { nearest } from "./geometry.js";
import { addStart, buildLandscapeSelect, loadLandscape, onMapClick, setView, startsChanged } from "./map.js";
import { exportRace, pause, play, runRace, setStep, updateSlider } from "./race.js";
import { lastHash, restore, share, writeHash } from "./share.js";
import { buildOptimizers, setChecked, setValues } from "./spec.js";
import { $, DEFAULT_LANDSCAPE, DEFAULT_OPTIMIZERS, LRS, PAGE_DEFAULTS, notify, stale, state } from "./state.js";
import { drawSweep, runSweep, setLr } from "./sweep.js";

export function setTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  $("race-panel").hidden = tab !== "race";
  $("sweep-panel").hidden = tab !== "sweep";
  showCards();
  if (tab === "sweep") { drawSweep(); Plotly.Plots.resize("basin"); } else { Plotly.Plots.resize("map"); }
}

/** The sidebar shows what the open tab uses: the race's starts, steps and optimizers;
 * or, for a sweep (which makes its own grid of starts and sets lr itself), the card of
 * the optimizer swept, whose other hyperparameters it takes. */
export function showCards() {
  const sweeping = state.tab === "sweep";
  const chosen = $("sweep-optimizer").value;
  document.body.dataset.tab = state.tab;
  $("starts-card").hidden = sweeping;
  $("optimizers-title").textContent = sweeping ? `${chosen}: the sweep sets lr` : "Optimizers";
  for (const [name, entry] of state.optimizers) {
    const swept = sweeping && name === chosen;
    entry.element.hidden = sweeping && !swept;
    entry.element.querySelector(".details").hidden = !(swept || (!sweeping && entry.checked));
    for (const input of entry.inputs.lr || []) {
      if (swept && !input.disabled) { input.dataset.kept = input.value; input.value = ""; }
      if (!swept && input.disabled) { input.value = input.dataset.kept; delete input.dataset.kept; }
      input.disabled = swept;
      input.placeholder = swept ? "swept (the slider)" : "";
    }
  }
}

export function wire() {
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
  // new limits reframe a race shown once they make a view (a pair half typed waits for
  // its other end; the race checks them); else the link keeps them
  const reframe = () => {
    showLimits(state.landscape);
    if (limitsPending()) return;
    if (state.race && !state.busy) runRace(); else writeHash();
  };
  for (const id of ["xlim-lo", "xlim-hi", "ylim-lo", "ylim-hi", "whole-domain"]) $(id).addEventListener("change", reframe);
  $("sweep-run").addEventListener("click", runSweep);
  $("lr-slider").addEventListener("input", (e) => setLr(Number(e.target.value)));
  $("lr-slider").addEventListener("change", writeHash);
  $("sweep-colour").addEventListener("change", () => { drawSweep(); writeHash(); });
  $("sweep-optimizer").addEventListener("change", () => {
    const name = $("sweep-optimizer").value;
    const lr = (PAGE_DEFAULTS[name] || state.optimizers.get(name).info.defaults).lr;
    state.sweep = null; // the map shown was another optimizer's
    $("sweep-status").textContent = "";
    setLr(nearest(LRS, lr));
    showCards();
    writeHash();
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

/** The fields' bounds and defaults, as the server publishes them. */
function applyLimits(limits) {
  state.limits = limits;
  const bound = (id, { min, max }) => Object.assign($(id), { min, max });
  bound("steps", limits.steps);
  bound("sweep-steps", limits.steps);
  bound("sweep-resolution", limits.sweep_starts);
  $("sweep-steps").value = limits.steps.default;
  $("sweep-resolution").value = limits.sweep_starts.default;
  $("expression").maxLength = limits.expression_length;
}

export async function start() {
  wire();
  const [limits, optimizers, landscapes] = await Promise.all([
    loadLimits(),
    api("/api/optimizers").then((r) => r.json()),
    api("/api/landscapes").then((r) => r.json()),
  ]);
  applyLimits(limits);
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

// for the browser tests and the console: the page's state and its element look-up
Object.assign(window, { state, $ });
start().catch((e) => { $("race-error").textContent = `The page could not start: ${e.message}`; });

