/**
 * The change of a figure against the previous period, and whether that change is good news.
 * Counts compare relatively (+12%); shares compare in percentage points (+2.1 pp), since a
 * relative change of a share (from 1% to 2% is "+100%") alarms more than it informs.
 */

/** Which way is better: more users is good, more failures is bad, cost is just information. */
export type Polarity = "higher-is-better" | "lower-is-better" | "neutral";

export type Direction = "up" | "down" | "flat";
export type Tone = "good" | "bad" | "neutral";

export type Delta =
  | { kind: "none" } // nothing to compare: a figure is missing in one of the periods
  | { kind: "new"; direction: "up"; tone: Tone } // from zero to something
  | { kind: "relative"; ratio: number; direction: Direction; tone: Tone }
  | { kind: "points"; points: number; direction: Direction; tone: Tone };

/** Changes smaller than this (0.5 % relative, 0.1 percentage points) read as "no change". */
const FLAT_RATIO = 0.005;
const FLAT_POINTS = 0.1;

function toneOf(direction: Direction, polarity: Polarity): Tone {
  if (direction === "flat" || polarity === "neutral") return "neutral";
  const better = polarity === "higher-is-better" ? "up" : "down";
  return direction === better ? "good" : "bad";
}

/** Relative change of a count or amount. */
export function relativeDelta(current: number | null, previous: number | null, polarity: Polarity): Delta {
  if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { kind: "none" };
  }
  if (previous === 0) {
    if (current === 0) return { kind: "relative", ratio: 0, direction: "flat", tone: "neutral" };
    return { kind: "new", direction: "up", tone: toneOf("up", polarity) };
  }
  const ratio = (current - previous) / Math.abs(previous);
  const direction: Direction = Math.abs(ratio) < FLAT_RATIO ? "flat" : ratio > 0 ? "up" : "down";
  return { kind: "relative", ratio, direction, tone: toneOf(direction, polarity) };
}

/** Change of a share (0..1), in percentage points. */
export function pointsDelta(current: number | null, previous: number | null, polarity: Polarity): Delta {
  if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { kind: "none" };
  }
  const points = (current - previous) * 100;
  const direction: Direction = Math.abs(points) < FLAT_POINTS ? "flat" : points > 0 ? "up" : "down";
  return { kind: "points", points, direction, tone: toneOf(direction, polarity) };
}

/** "+12.5%", "−3.0%", "+2.1 pp", "new", "no change", or "" when there is nothing to compare. */
export function formatDelta(delta: Delta): string {
  switch (delta.kind) {
    case "none":
      return "";
    case "new":
      return "new";
    case "relative": {
      if (delta.direction === "flat") return "no change";
      const percent = Math.abs(delta.ratio * 100);
      const digits = percent >= 100 ? 0 : 1;
      return `${delta.ratio > 0 ? "+" : "−"}${percent.toFixed(digits)}%`;
    }
    case "points":
      if (delta.direction === "flat") return "no change";
      return `${delta.points > 0 ? "+" : "−"}${Math.abs(delta.points).toFixed(1)} pp`;
  }
}
