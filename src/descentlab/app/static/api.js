/* The server: JSON requests, the limits it publishes and the specs it parses. */

export async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    // a 400 is {message, optimizer?, hyperparameter?, landscape?}: what it names, as fields
    const refusal = typeof detail === "string" ? { message: detail } : detail;
    const error = new Error(refusal.message ?? JSON.stringify(detail));
    error.detail = refusal;
    throw error;
  }
  return response;
}


/** The limits and defaults of the request bodies (GET /api/limits), the one source. */
export async function loadLimits() {
  return (await api("/api/limits")).json();
}

/** Spec strings parsed by the library: [{spec, name, kwargs, label} or {spec, error}]. */
export async function parseSpecs(specs) {
  if (!specs.length) return [];
  return (await api("/api/specs", { specs })).json();
}
