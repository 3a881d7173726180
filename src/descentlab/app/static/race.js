/* A race: its request, the player that animates it, and its export as GIF, MP4 or CSV. */
import { api } from "./api.js";
import { viewLimits } from "./frame.js";
import { drawLoss } from "./loss.js";
import { drawMap, loadLandscape, renderStep } from "./map.js";
import { writeHash } from "./share.js";
import { blame, chosenSpecs } from "./spec.js";
import { $, EXPRESSION, notify, setBusy, stale, state } from "./state.js";

export function updateSlider() {
  const slider = $("step-slider");
  const steps = state.race ? state.race.steps : 0;
  slider.max = steps;
  slider.value = state.step;
  slider.disabled = !state.race;
  $("play").disabled = !state.race;
  $("step-label").textContent = state.race ? `step ${state.step} / ${steps}` : "step 0";
}

export function setStep(step) {
  state.step = step;
  renderStep(step);
  $("step-slider").value = step;
  $("step-label").textContent = `step ${step} / ${state.race.steps}`;
}

export function play() {
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

export function pause() {
  state.playing = false;
  if (state.clock) cancelAnimationFrame(state.clock);
  state.clock = null;
  $("play").innerHTML = "&#9654;";
  $("play").setAttribute("aria-label", "play");
}

export function raceConfig() {
  const steps = Number($("steps").value);
  const { steps: range, optimizers: most } = state.limits;
  if (!Number.isInteger(steps) || steps < range.min || steps > range.max) throw new Error(`Steps must be a whole number from ${range.min} to ${range.max}`);
  const optimizers = chosenSpecs();
  if (!optimizers.length) throw new Error("tick at least one optimizer");
  if (optimizers.length > most) throw new Error(`race at most ${most} optimizers at once`);
  if (!state.starts.length) throw new Error("add a start: click the map");
  return { landscape: state.landscapeText, optimizers, starts: state.starts, steps, ...viewLimits() };
}

/** Whether the landscape on the page is the one its fields show: a typed expression
 * that was not applied yet is loaded first; one that does not load stops the race. */
export async function landscapeReady() {
  if ($("landscape-select").value !== EXPRESSION) return true;
  const typed = $("expression").value.trim();
  if (!typed) throw new Error("Type an expression, or pick a landscape.");
  if (typed === state.loadedText && !state.landscapeError) return true;
  if (await loadLandscape(typed)) return true;
  throw new Error("The expression is invalid (see under it): fix it, or pick a landscape.");
}

/** The divergences of a race, in words: "sgd(lr=1) diverged at step 2". */
export function divergences(race) {
  const lines = [];
  const many = race.starts.length > 1;
  race.labels.forEach((label, k) => {
    const steps = race.diverged_at[k];
    if (many && steps.every((at) => at > 0)) { // one line for an optimizer that diverged from every start
      lines.push(`${label} diverged from all ${steps.length} starts (first at step ${Math.min(...steps)})`);
      return;
    }
    steps.forEach((at, s) => {
      if (at < 0) return;
      const where = many ? ` from start ${s + 1}` : "";
      lines.push(at === 0 ? `${label} diverged at its start${where} (f is not finite there)` : `${label} diverged at step ${at}${where}`);
    });
  });
  return lines.length > 3 ? `${lines.slice(0, 3).join("; ")}; and ${lines.length - 3} more diverged.` : lines.length ? `${lines.join("; ")}.` : "";
}

/** Drop a result that no longer matches the page, and the lines that described it. */
export function clearRace({ redraw = true } = {}) {
  pause();
  state.race = null;
  state.step = 0;
  if (redraw) { drawMap(); drawLoss(); }
  $("race-status").textContent = "";
  $("race-diverged").textContent = "";
  $("export-status").textContent = "";
  stale();
}

export async function runRace() {
  const error = $("race-error");
  let config;
  try {
    await landscapeReady();
    config = raceConfig();
  } catch (e) {
    error.textContent = e.message;
    if (!e.view) { clearRace(); $("race-status").textContent = ""; } // a race shown stays while its view is fixed
    return false;
  }
  error.textContent = "";
  blame(null);
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
    blame(e.detail);
    clearRace();
    $("race-status").textContent = "";
    return false;
  } finally {
    setBusy(false);
  }
}

export async function exportRace(format) {
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
    blame(e.detail);
  } finally {
    setBusy(false);
  }
}

