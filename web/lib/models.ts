/** A model's breaker history and error classes, from the stats API's model report. Pure. */

import type { ModelEvent, ModelHealth, OutcomeCount } from "@/lib/api/types";

export type BreakerStateName = "closed" | "open" | "half_open";
export type SegmentState = BreakerStateName | "unknown";

export interface Segment {
  from: number; // ms since the epoch
  to: number;
  state: SegmentState;
}

function asState(value: string | null | undefined): SegmentState {
  return value === "closed" || value === "open" || value === "half_open" ? value : "unknown";
}

/**
 * The breaker's state over `[from, to)` as consecutive segments. `events` are the model's
 * transitions in the range, newest first (as the API lists them); `truncated` says the API
 * listed only the latest ones, so the start of the range is unknown.
 */
export function breakerSegments(
  model: Pick<ModelHealth, "state" | "state_since">,
  events: ModelEvent[],
  from: number,
  to: number,
  truncated: boolean,
): Segment[] {
  const transitions = events
    .filter((e) => e.kind === "breaker")
    .map((e) => ({ at: Date.parse(e.at), from: asState(e.from_state), to: asState(e.to_state) }))
    .filter((e) => e.at >= from && e.at < to)
    .sort((a, b) => a.at - b.at);

  if (transitions.length === 0) {
    // Nothing happened in the range: it was in today's state, unless that began after the range.
    const since = model.state_since ? Date.parse(model.state_since) : null;
    const state: SegmentState = since === null || since <= from ? asState(model.state) : "unknown";
    return [{ from, to, state }];
  }

  const segments: Segment[] = [];
  const first = transitions[0];
  if (first.at > from) segments.push({ from, to: first.at, state: truncated ? "unknown" : first.from });
  transitions.forEach((transition, i) => {
    const end = i + 1 < transitions.length ? transitions[i + 1].at : to;
    if (end > transition.at) segments.push({ from: transition.at, to: end, state: transition.to });
  });
  return mergeAdjacent(segments);
}

function mergeAdjacent(segments: Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of segments) {
    const last = merged[merged.length - 1];
    if (last && last.state === segment.state && last.to === segment.from) last.to = segment.to;
    else merged.push({ ...segment });
  }
  return merged;
}

/** Time spent in each state over the segments, as shares of the known time. */
export function stateShares(segments: Segment[]): Record<BreakerStateName, number> {
  const totals: Record<BreakerStateName, number> = { closed: 0, open: 0, half_open: 0 };
  let known = 0;
  for (const segment of segments) {
    if (segment.state === "unknown") continue;
    const span = segment.to - segment.from;
    totals[segment.state] += span;
    known += span;
  }
  if (known === 0) return totals;
  return { closed: totals.closed / known, open: totals.open / known, half_open: totals.half_open / known };
}

export interface ErrorClass {
  outcome: string;
  calls: number;
  /** Share of the model's failed requests. */
  share: number;
}

const NOT_FAILURES = new Set(["ok", "cancelled"]);

/** The failure outcomes, most frequent first, with their share of all failures. */
export function errorClasses(outcomes: OutcomeCount[]): ErrorClass[] {
  const failures = outcomes.filter((o) => !NOT_FAILURES.has(o.outcome) && o.calls > 0);
  const total = failures.reduce((sum, o) => sum + o.calls, 0);
  return failures
    .map((o) => ({ outcome: o.outcome, calls: o.calls, share: total ? o.calls / total : 0 }))
    .sort((a, b) => b.calls - a.calls || a.outcome.localeCompare(b.outcome));
}

export function outcomeCount(outcomes: OutcomeCount[], outcome: string): number {
  return outcomes.find((o) => o.outcome === outcome)?.calls ?? 0;
}
