/* Share links: the whole configuration in the URL hash, and its restoring (specs parsed
 * by the server; invalid parts fall back to the defaults, with a notice). */
import { parseSpecs } from "./api.js";
import { limitParams, restoreLimits } from "./frame.js";
import { setTab } from "./main.js";
import { loadLandscape } from "./map.js";
import { runRace } from "./race.js";
import { setChecked, setValues, specOf } from "./spec.js";
import { $, DEFAULT_LANDSCAPE, DEFAULT_OPTIMIZERS, EXPRESSION, LRS, notify, state } from "./state.js";
import { runSweep, setLr } from "./sweep.js";

export function configParams() {
  const params = new URLSearchParams();
  params.set("tab", state.tab);
  params.set("landscape", state.landscapeText);
  for (const p of state.starts) params.append("start", p.join(","));
  params.set("steps", $("steps").value);
  params.set("view", state.view);
  limitParams(params);
  for (const e of state.optimizers.values()) if (e.checked) params.append("opt", specOf(e.info.name));
  const sweepName = $("sweep-optimizer").value;
  if (sweepName) params.set("sopt", specOf(sweepName, { without: ["lr"] }));
  params.set("sres", $("sweep-resolution").value);
  params.set("ssteps", $("sweep-steps").value);
  params.set("lr", String(state.lrIndex));
  params.set("colour", $("sweep-colour").value);
  return params;
}

export function shareUrl() {
  return `${location.origin}${location.pathname}#${configParams().toString()}`;
}

export let lastHash = "";

export function writeHash() {
  try {
    lastHash = `#${configParams().toString()}`;
    history.replaceState(null, "", lastHash);
  } catch (_) { /* an invalid field: keep the old link */ }
}

/** A whole number from a link within [lo, hi], or null (noting `label` in `bad` when given but invalid). */
export function linkInteger(params, key, lo, hi, label, bad) {
  if (!params.has(key)) return null;
  const n = Number(params.get(key));
  if (params.get(key).trim() !== "" && Number.isInteger(n) && n >= lo && n <= hi) return n;
  bad.add(label);
  return null;
}

/** The specs of a link, parsed by the server, in order; an empty or over-long one, or one
 * the server cannot read, comes back as {spec, error}. */
async function readSpecs(texts) {
  const fits = (t) => t.trim() !== "" && t.length <= state.limits.spec_length;
  let parsed = [];
  try { parsed = await parseSpecs(texts.filter(fits)); } catch (e) { parsed = texts.filter(fits).map((spec) => ({ spec, error: e.message })); }
  return texts.map((spec) => (fits(spec) ? parsed.shift() : { spec, error: "empty or too long" }));
}

/** Restore a share link; invalid parts fall back to the defaults, with a short notice. */
export async function restore(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (!params.has("landscape")) return false;
  const bad = new Set();
  const limits = state.limits;
  const specs = await readSpecs([...params.getAll("opt"), params.get("sopt") || ""]);
  const sweepSpec = params.has("sopt") ? specs.pop() : (specs.pop(), null);
  const text = params.get("landscape");
  const select = $("landscape-select");
  const known = state.landscapes.some((l) => l.name === text);
  select.value = known ? text : EXPRESSION;
  $("expression-row").hidden = known;
  if (!known) $("expression").value = text;
  const raw = params.getAll("start").map((s) => s.split(",").map((v) => (v.trim() === "" ? NaN : Number(v))));
  const starts = raw.filter((p) => p.length >= 1 && p.length <= 2 && p.every((v) => Number.isFinite(v) && Math.abs(v) <= limits.coordinate));
  if (starts.length < raw.length || starts.length > limits.starts) bad.add("starts");
  state.starts = starts.slice(0, limits.starts);
  const steps = linkInteger(params, "steps", limits.steps.min, limits.steps.max, "steps", bad);
  if (steps !== null) $("steps").value = steps;
  for (const name of state.optimizers.keys()) setChecked(name, false);
  if (specs.length > limits.optimizers) bad.add("optimizers");
  for (const parsed of specs.slice(0, limits.optimizers)) {
    if (parsed.error || !state.optimizers.has(parsed.name)) { bad.add("optimizers"); continue; }
    setValues(parsed.name, { ...state.optimizers.get(parsed.name).info.defaults, ...parsed.kwargs });
    setChecked(parsed.name, true);
  }
  const ticked = [...state.optimizers.values()].some((e) => e.checked);
  if (!ticked) for (const name of DEFAULT_OPTIMIZERS) setChecked(name, true);
  if (sweepSpec && !sweepSpec.error && state.optimizers.has(sweepSpec.name)) {
    $("sweep-optimizer").value = sweepSpec.name;
    const entry = state.optimizers.get(sweepSpec.name);
    if (!entry.checked) setValues(sweepSpec.name, { ...entry.info.defaults, ...sweepSpec.kwargs, lr: entry.values.lr });
  } else if (params.has("sopt")) bad.add("sweep optimizer");
  const per = limits.sweep_starts;
  const sres = linkInteger(params, "sres", per.min, per.max, "starts per axis", bad);
  if (sres !== null) $("sweep-resolution").value = sres;
  const ssteps = linkInteger(params, "ssteps", limits.steps.min, limits.steps.max, "sweep steps", bad);
  if (ssteps !== null) $("sweep-steps").value = ssteps;
  const colours = [...$("sweep-colour").options].map((o) => o.value);
  if (colours.includes(params.get("colour"))) $("sweep-colour").value = params.get("colour");
  else if (params.has("colour")) bad.add("colour");
  const lr = linkInteger(params, "lr", 0, LRS.length - 1, "learning rate", bad);
  if (lr !== null) setLr(lr);
  restoreLimits(params, bad);
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
  if (state.tab === "sweep" && sweepSpec && !sweepSpec.error) await runSweep();
  if (bad.size) notify(`This link had invalid parts (${[...bad].join(", ")}); the defaults are used for them.`);
  return true;
}

export async function share() {
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

