/* The map's marks besides trails and balls: each start's dash and legend entry, the
 * marks of balls that left the view or diverged (and their legend entries), and the
 * domain's edge where the view passes it. */
import { bilinear, hover, lift } from "./geometry.js";
import { formatNumber } from "./state.js";

const KEY_COLOUR = "#374151";

/** Which way a hollow triangle points for a ball past the view's edge: [dx, dy] (or [dx]
 * on a 1-D curve) of -1, 0, 1. */
const POINTING = {
  "1,0": "triangle-right", "-1,0": "triangle-left", "0,1": "triangle-up", "0,-1": "triangle-down",
  "1,1": "triangle-ne", "-1,1": "triangle-nw", "1,-1": "triangle-se", "-1,-1": "triangle-sw",
  "1": "triangle-right", "-1": "triangle-left",
};

/** A ball's marker: a circle in the view, a hollow triangle at its edge pointing out
 * (a hollow ring on the 3-D surface, which has no triangles), an X once it diverged. */
export function ballSymbol(out, dead, surface) {
  if (dead) return "x";
  if (!out) return "circle";
  return surface ? "circle-open" : `${POINTING[out.join(",")]}-open`;
}

/** The dash of start `s`'s trails; plotly's 3-D lines know only named dashes, so a
 * pattern of lengths becomes the nearest named one there. */
export function dashOf(race, s, surface) {
  const dash = race.dashes[s];
  if (!surface || !dash.includes("px")) return dash;
  const lengths = dash.split(",").map(parseFloat);
  if (lengths.length > 2) return "longdashdot";
  return lengths[0] < lengths[1] ? "dot" : "longdash";
}

/** Legend entries only: traces with no data, drawn as the legend shows them. */
function key(surface, name, style) {
  const trace = { type: surface ? "scatter3d" : "scatter", x: [null], y: [null], name,
    hoverinfo: "skip", showlegend: true, ...style };
  return surface ? { ...trace, z: [null] } : trace;
}

/** One legend entry per start, when there are several: its dash and where it is. */
export function startKeys(race, surface) {
  if (race.starts.length < 2) return [];
  return race.starts.map((point, s) => key(surface, `start ${s + 1}: (${point.map(formatNumber).join(", ")})`,
    { mode: "lines", line: { color: KEY_COLOUR, width: surface ? 5 : 2.5, dash: dashOf(race, s, surface) } }));
}

/** Legend entries for the marks that occur in this race: a ball kept at the view's edge,
 * and the X of a run that diverged. */
export function markKeys(race, surface) {
  const keys = [];
  if (race.left_view) {
    keys.push(key(surface, "left the view (kept at its edge)", { mode: "markers",
      marker: { symbol: surface ? "circle-open" : "triangle-right-open", size: surface ? 6 : 11,
        color: KEY_COLOUR, line: { color: KEY_COLOUR, width: 1.5 } } }));
  }
  if (race.diverged_at.flat().some((at) => at >= 0)) {
    keys.push(key(surface, "diverged (where last seen)", { mode: "markers",
      marker: { symbol: "x", size: surface ? 8 : 11, color: KEY_COLOUR, line: { color: "#000", width: surface ? 0 : 1.5 } } }));
  }
  return keys;
}

/** The rectangle of the domain as a closed line of `per` points a side. */
function outline([[a0, a1], [b0, b1]], per = 1) {
  const side = (from, to) => Array.from({ length: per }, (_, i) => from.map((v, j) => v + ((to[j] - v) * i) / per));
  const corners = [[a0, b0], [a1, b0], [a1, b1], [a0, b1]];
  return [...corners.flatMap((c, i) => side(c, corners[(i + 1) % 4])), corners[0]];
}

/** On the contour map, where the view passes the domain: the outside veiled, and the
 * domain's edge dashed (white over a dark line, seen on light and dark shading). */
export function domainEdge(domain, [[x0, x1], [y0, y1]]) {
  const [[a0, a1], [b0, b1]] = domain;
  const l = Math.max(a0, x0), r = Math.min(a1, x1);
  const strips = [[x0, a0, y0, y1], [a1, x1, y0, y1], [l, r, y0, b0], [l, r, b1, y1]]
    .filter(([p, q, s, t]) => q > p && t > s);
  const xs = [], ys = [];
  for (const [p, q, s, t] of strips) { xs.push(p, q, q, p, p, null); ys.push(s, s, t, t, s, null); }
  const edge = outline(domain);
  const line = { type: "scatter", mode: "lines", x: edge.map((p) => p[0]), y: edge.map((p) => p[1]),
    hoverinfo: "skip", legendgroup: "domain" };
  return [
    { type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: "rgba(255,255,255,0.45)",
      line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "outside the domain" },
    { ...line, line: { color: "rgba(17,24,39,0.7)", width: 3 }, showlegend: false, name: "domain's edge" },
    { ...line, line: { color: "#fff", width: 1.5, dash: "dash" }, showlegend: false, name: "domain's edge" },
    key(false, "domain's edge (outside veiled)", { mode: "lines", legendgroup: "domain",
      line: { color: KEY_COLOUR, width: 1.5, dash: "dash" } }),
  ];
}

/** On the 3-D surface, the domain's edge as a dashed line lying on the surface. */
export function domainEdge3d(domain, [[x0, x1], [y0, y1]], field) {
  const inView = outline(domain, 40).map(([x, y]) => [Math.min(Math.max(x, x0), x1), Math.min(Math.max(y, y0), y1)]);
  return { type: "scatter3d", mode: "lines", name: "domain's edge", hoverinfo: "skip", showlegend: true,
    x: inView.map((p) => p[0]), y: inView.map((p) => p[1]),
    z: inView.map(([x, y]) => hover(lift(bilinear(field, x, y), field))),
    line: { color: "#111827", width: 4, dash: "dash" } };
}
