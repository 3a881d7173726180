/* Numbers for drawing: the shading's lift, the surface's heights, look-ups in the sampled
 * field, and the part of a server-clipped path shown at a step. */
import { mapField } from "./state.js";

export function lift(value, field) {
  if (value === null || value === undefined) return null;
  return field.transform === "log" ? Math.log10(Math.max(value - field.low, field.floor)) : value;
}

/** The last step drawn at `step` of a run that diverged at `gone` (-1: never). */
export function lastShown(gone, step) {
  return gone >= 0 ? Math.max(0, Math.min(step, gone - 1)) : step;
}

/** The surface's height range with room for the floating trails; what leaves it is clipped. */
export function zRange(field) {
  const values = field.z.flat().filter((v) => v !== null);
  const lo = Math.min(...values), hi = Math.max(...values);
  return [lo - 0.02 * (hi - lo), hi + 0.06 * (hi - lo)];
}

/** Trails float a little above the surface shown so it never hides them. */
export function hover(z) {
  const field = mapField();
  if (field.span === undefined) {
    const values = field.z.flat().filter((v) => v !== null);
    field.span = Math.max(...values) - Math.min(...values) || 1;
  }
  return z === null ? null : z + 0.02 * field.span;
}

export function interpolate(xs, ys, x) {
  if (!xs.length) return null;
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) {
      const t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
      return ys[i - 1] === null || ys[i] === null ? null : ys[i - 1] + t * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

/** The shaded (already lifted) field near (x, y): good enough to place start markers. */
export function bilinear(field, x, y) {
  const i = nearest(field.x, x), j = nearest(field.y, y);
  const v = field.z[j][i];
  if (v === null || field.transform !== "log") return v;
  return 10 ** v + field.low; // undo the lift; `lift` applies it again
}

export function nearest(axis, v) {
  let best = 0;
  for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i] - v) < Math.abs(axis[best] - v)) best = i;
  return best;
}


/** What the map shows of trajectory (k, s) at `step`: the drawn points and their losses
 * (cut by the server at the view's edge, gaps as nulls), the ball, its loss and the way
 * it lies past the view's edge (null inside); a diverged run's ball is where it was last
 * seen. */
export function shownPath(race, k, s, step) {
  const path = race.paths[k][s];
  const gone = race.diverged_at[k][s];
  const last = lastShown(gone, step);
  const end = path.ends[last];
  return {
    points: path.points.slice(0, end),
    loss: path.loss.slice(0, end),
    head: path.balls[last],
    headLoss: path.ball_loss[last],
    out: path.out[last],
    dead: gone >= 0 && step >= gone,
  };
}
