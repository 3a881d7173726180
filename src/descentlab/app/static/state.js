/* The page's one state, its constants, and the small things every part uses. */

export const DEFAULT_LANDSCAPE = "beale";

export const DEFAULT_OPTIMIZERS = ["sgd", "momentum", "adam"];

/** Starting hyperparameters of the page: the registry's lr of 1e-3 everywhere makes a dull
 * first race, so the adaptive methods start at rates that show them at work. */
export const PAGE_DEFAULTS = { sgd: { lr: 1e-3 }, momentum: { lr: 1e-3 }, nesterov: { lr: 1e-3 },
  adagrad: { lr: 0.5 }, rmsprop: { lr: 0.01 }, adam: { lr: 0.1 } };

export const EXPRESSION = "__expression__";

export const HIDDEN_PARAMS = new Set(["maximize"]);

export const LRS = Array.from({ length: 17 }, (_, i) => +(10 ** (-4 + i / 4)).toPrecision(3));

export const FONT = { family: "Inter, Segoe UI, Helvetica Neue, Arial, sans-serif", size: 12, color: "#1f2937" };

export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

export const $ = (id) => document.getElementById(id);

/** Where a plot's legend goes: above it, or below it on a phone, where the plot toolbar
 * (plotly's modebar) would cover a legend at the top. */
export function legendPlace(top, margin, { below = -0.16, room = 56 } = {}) {
  // above the plot a legend of several rows grows upwards, into the margin, not the plot
  if (!isPhone()) return { legend: { orientation: "h", y: top, x: 0, yanchor: "bottom" }, margin };
  return { legend: { orientation: "h", x: 0, y: below, yanchor: "top" }, margin: { ...margin, t: 24, b: margin.b + room } };
}

export const state = {
  limits: null, // GET /api/limits: what the server accepts, read before anything else
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

/** The landscape as the map shows it: sampled over the race's view after a race, over
 * the domain before one. */
export function mapField() {
  return state.race ? state.race.field : state.landscape.field;
}

/** The box the map shows: the race's view ([[x0, x1], [y0, y1]], or [[x0, x1]] in 1-D),
 * or the domain before a race. */
export function mapBox() {
  return state.race ? state.race.view : state.landscape.domain;
}

export function formatNumber(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : (+v.toPrecision(4)).toString();
}

export function setBusy(flag) {
  state.busy = flag;
  for (const id of ["race", "sweep-run", "export-csv"]) $(id).disabled = flag;
  updateExports();
}

/** GIF and MP4 need a 2-D landscape: on a 1-D one their buttons are off and say why. */
export function updateExports() {
  const flat = Boolean(state.landscape && state.landscape.dim === 1);
  for (const format of ["gif", "mp4"]) {
    const button = $(`export-${format}`);
    button.dataset.title = button.dataset.title || button.title;
    button.disabled = state.busy || flat;
    button.title = flat ? `${format.toUpperCase()} needs a 2-D landscape; CSV works for 1-D ones` : button.dataset.title;
  }
}

/** A short notice under the header (an invalid share link, ...); empty hides it. */
export function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = !text;
}

/** The configuration changed: a share link or download message shown describes the old one. */
export function stale() {
  $("share-box").hidden = true;
  $("share-url").value = "";
  $("share-note").textContent = "";
}


/** Whether the page is laid out for a phone (one column; see style.css). */
export function isPhone() {
  return window.matchMedia("(max-width: 760px)").matches;
}
