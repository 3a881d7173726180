/* The optimizer cards: ticks, hyperparameter fields and formulas, and the spec strings
 * written from them (only what differs from the defaults). Specs are parsed by the
 * server (api.parseSpecs), never here. */
import { $, HIDDEN_PARAMS, state } from "./state.js";

export function pyValue(v) {
  if (v === null) return "None";
  if (v === Infinity) return "inf";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return `(${v.map(pyValue).join(", ")})`;
  return String(v);
}

export function sameValue(a, b) {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

export function buildOptimizers(list) {
  const host = $("optimizers");
  const sweepSelect = $("sweep-optimizer");
  for (const info of list) {
    // JSON has no infinity: the server writes it "inf"
    for (const [key, value] of Object.entries(info.defaults)) if (value === "inf") info.defaults[key] = Infinity;
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
      params.appendChild(paramInput(entry, key, value, info.hyper?.[key]));
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

/** A choice among names (None among them): a select whose "None" option means null. */
function choiceInput(entry, key, value, declared) {
  const select = document.createElement("select");
  select.id = `opt-${entry.info.name}-${key}`;
  for (const option of declared.options) select.add(new Option(option === null ? "None" : option, option ?? ""));
  select.value = value ?? "";
  select.addEventListener("change", () => { entry.values[key] = select.value === "" ? null : select.value; });
  entry.inputs[key] = [select];
  return select;
}

/** A number read from an input: null where the declaration allows None and it is empty. */
function readNumber(input, nullable) {
  const text = input.value.trim();
  if (text === "" && nullable) return null;
  return text === "" ? NaN : Number(text);
}

export function paramInput(entry, key, value, declared = {}) {
  const id = `opt-${entry.info.name}-${key}`;
  if (declared.kind === "choice") return choiceInput(entry, key, value, declared);
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
  const ranges = declared.ranges ?? [];
  entry.inputs[key] = values.map((v, i) => {
    const nullable = (ranges[i] ?? "").endsWith("or None");
    const infinite = (ranges[i] ?? "").includes("inf]");
    const input = document.createElement("input");
    input.type = infinite ? "text" : "number";
    input.step = declared.kind === "integer" ? "1" : "any";
    input.id = Array.isArray(value) ? `${id}-${i}` : id;
    input.value = v === null ? "" : v === Infinity ? "inf" : v;
    if (nullable) input.placeholder = "None";
    input.addEventListener("input", () => {
      let n = readNumber(input, nullable);
      if (infinite && input.value.trim() === "inf") n = Infinity;
      const ok = n === null || Number.isFinite(n) || (infinite && n === Infinity);
      input.classList.toggle("invalid", !ok);
      if (Array.isArray(value)) entry.values[key][i] = n; else entry.values[key] = n;
    });
    wrap.appendChild(input);
    return input;
  });
  if (Array.isArray(value)) entry.values[key] = [...value];
  return Array.isArray(value) ? wrap : entry.inputs[key][0];
}

export function setChecked(name, checked) {
  const entry = state.optimizers.get(name);
  entry.checked = checked;
  entry.element.querySelector("input[type=checkbox]").checked = checked;
  entry.element.classList.toggle("on", checked);
  entry.element.querySelector(".details").hidden = !checked;
  const formula = entry.element.querySelector(".formula");
  if (checked && !formula.firstChild) showFormula(formula, `optimizer=${encodeURIComponent(name)}`, entry.info.formula);
}

export function setValues(name, kwargs) {
  const entry = state.optimizers.get(name);
  for (const [key, value] of Object.entries(kwargs)) {
    if (!(key in entry.inputs)) continue;
    const inputs = entry.inputs[key];
    if (inputs[0].tagName === "SELECT") { inputs[0].value = value ?? ""; entry.values[key] = value; continue; }
    if (typeof value === "boolean") { inputs[0].checked = value; entry.values[key] = value; continue; }
    const values = (Array.isArray(value) ? value : [value]).map((v) => (v === "inf" ? Infinity : v));
    values.forEach((v, i) => { if (inputs[i]) inputs[i].value = v === null ? "" : v === Infinity ? "inf" : v; });
    entry.values[key] = Array.isArray(value) ? values : values[0];
  }
}

/** The spec string of a ticked optimizer: only what differs from the defaults. */
export function specOf(name, { without = [] } = {}) {
  const entry = state.optimizers.get(name);
  const args = [];
  for (const [key, value] of Object.entries(entry.values)) {
    if (without.includes(key)) continue;
    const bad = (Array.isArray(value) ? value : [value]).some((v) => typeof v === "number" && Number.isNaN(v));
    if (bad) throw new Error(`${name}: ${key} needs a number`);
    if (!sameValue(value, entry.info.defaults[key])) args.push(`${key}=${pyValue(value)}`);
  }
  return args.length ? `${name}(${args.join(", ")})` : name;
}

export function chosenSpecs() {
  return [...state.optimizers.values()].filter((e) => e.checked).map((e) => specOf(e.info.name));
}

export function showFormula(host, query, latex) {
  const img = new Image();
  img.alt = latex;
  img.className = "formula-img";
  img.onerror = () => { host.innerHTML = ""; const c = document.createElement("code"); c.textContent = latex; host.appendChild(c); };
  img.src = `/api/formula.svg?${query}`;
  host.innerHTML = "";
  host.appendChild(img);
}

/** Point at what a server refusal names, from its fields: the optimizer card at
 * `detail.optimizer` (its place in the request, the order of chosenSpecs) and the inputs
 * of `detail.hyperparameter`, or the start at `detail.start`. Called with nothing, it
 * clears the marks. */
export function blame(detail) {
  for (const element of state.blamed) element.classList.remove("invalid", "blamed");
  state.blamed = [];
  const start = detail && Number.isInteger(detail.start) ? $("starts").children[detail.start] : null;
  if (start) {
    start.classList.add("blamed");
    state.blamed.push(start);
  }
  if (!detail || !Number.isInteger(detail.optimizer)) return;
  const entry = [...state.optimizers.values()].filter((e) => e.checked)[detail.optimizer];
  if (!entry) return;
  entry.element.classList.add("blamed");
  state.blamed.push(entry.element);
  for (const input of entry.inputs[detail.hyperparameter] || []) {
    input.classList.add("invalid");
    state.blamed.push(input);
  }
}

