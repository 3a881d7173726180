/* The view's limits: the x and y ranges a person asks the map to show (blank: the server
 * frames the race on its paths and minima), or the whole domain. Checked here, sent with
 * races and exports, kept in the share link. */
import { $, state } from "./state.js";

const AXES = ["x", "y"];

function inputs(axis) {
  return [$(`${axis}lim-lo`), $(`${axis}lim-hi`)];
}

/** The axes a landscape has limits for: x and y on a map, x alone on a 1-D curve. */
function axesOf(land) {
  return land && land.dim === 1 ? ["x"] : AXES;
}

/** One axis's [low, high], or null when both fields are blank; an Error saying what is
 * wrong (and the fields marked) when only one is given, one is not a number, or low is
 * not under high. */
/** An Error about the view's limits: the race shown stays while the limits are fixed. */
function viewError(message) {
  const error = new Error(message);
  error.view = true;
  return error;
}

/** Whether a pair is half typed (one end given, the other blank): a view to wait for. */
export function limitsPending() {
  if ($("whole-domain").checked) return false;
  return axesOf(state.landscape).some((axis) => {
    const blank = inputs(axis).map((f) => !f.validity.badInput && f.value.trim() === "");
    return blank[0] !== blank[1];
  });
}

function readPair(axis) {
  const fields = inputs(axis);
  for (const field of fields) field.classList.remove("invalid");
  const texts = fields.map((f) => (f.validity.badInput ? "?" : f.value.trim()));
  if (texts.every((t) => t === "")) return null;
  const values = texts.map((t) => (t === "" ? NaN : Number(t)));
  const bad = values.map((v) => !Number.isFinite(v));
  if (bad.some(Boolean)) {
    fields.forEach((f, i) => f.classList.toggle("invalid", bad[i]));
    throw viewError(`View: give ${axis} from and to as two numbers, or leave both blank to frame the race`);
  }
  if (!(values[0] < values[1])) {
    for (const field of fields) field.classList.add("invalid");
    throw viewError(`View: ${axis} from (${texts[0]}) must be under ${axis} to (${texts[1]})`);
  }
  return values;
}

/** The limits a race or an export asks for: {xlim, ylim}, each a [low, high] pair or
 * absent (the server frames that axis); the whole domain when that box is ticked. */
export function viewLimits() {
  const land = state.landscape;
  const whole = $("whole-domain").checked;
  const out = {};
  for (const [i, axis] of axesOf(land).entries()) {
    const pair = whole && land ? [...land.domain[i]] : readPair(axis);
    if (pair) out[`${axis}lim`] = pair;
  }
  return out;
}

/** The limits in a share link: `frame=domain`, or `xlim=a,b` and `ylim=c,d` as typed
 * (left out while they are invalid: the race itself refuses them then). */
export function limitParams(params) {
  if ($("whole-domain").checked) { params.set("frame", "domain"); return; }
  let limits = {};
  try { limits = viewLimits(); } catch (_) { return; }
  for (const [key, pair] of Object.entries(limits)) params.set(key, pair.join(","));
}

/** Restore a link's limits; an invalid pair is left blank and noted in `bad`. */
export function restoreLimits(params, bad) {
  clearLimits();
  $("whole-domain").checked = params.get("frame") === "domain";
  if (params.has("frame") && params.get("frame") !== "domain") bad.add("view limits");
  for (const axis of AXES) {
    const key = `${axis}lim`;
    if (!params.has(key)) continue;
    const values = params.get(key).split(",").map((v) => (v.trim() === "" ? NaN : Number(v)));
    const ok = values.length === 2 && values.every(Number.isFinite) && values[0] < values[1];
    if (!ok) { bad.add("view limits"); continue; }
    inputs(axis).forEach((field, i) => { field.value = values[i]; });
  }
  showLimits(state.landscape);
}

export function clearLimits() {
  for (const axis of AXES) for (const field of inputs(axis)) { field.value = ""; field.classList.remove("invalid"); }
}

/** The fields a landscape takes (no y on a 1-D curve), off while the whole domain is
 * ticked; with `clear`, a new landscape's fields start blank. */
export function showLimits(land, { clear = false } = {}) {
  if (clear) clearLimits();
  $("ylim-row").hidden = Boolean(land && land.dim === 1);
  const whole = $("whole-domain").checked;
  for (const axis of AXES) for (const field of inputs(axis)) field.disabled = whole;
}
