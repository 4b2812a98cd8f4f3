import { describe, expect, it } from "vitest";

import type { ModelEvent } from "@/lib/api/types";
import { breakerSegments, errorClasses, stateShares } from "@/lib/models";
import { modelHealth } from "@/test-support/fixtures";

const from = Date.parse("2026-01-31T00:00:00Z");
const to = Date.parse("2026-01-31T10:00:00Z");
const at = (hour: number) => new Date(from + hour * 3_600_000).toISOString();

function event(hour: number, fromState: string, toState: string): ModelEvent {
  return { at: at(hour), model: "m", kind: "breaker", from_state: fromState, to_state: toState, reason: null };
}

describe("breakerSegments", () => {
  it("splits the range at every transition, from the API's newest-first list", () => {
    const events = [event(6, "half_open", "closed"), event(5, "open", "half_open"), event(2, "closed", "open")];
    const model = modelHealth({ state: "closed", state_since: at(6) });
    expect(breakerSegments(model, events, from, to, false)).toEqual([
      { from, to: Date.parse(at(2)), state: "closed" },
      { from: Date.parse(at(2)), to: Date.parse(at(5)), state: "open" },
      { from: Date.parse(at(5)), to: Date.parse(at(6)), state: "half_open" },
      { from: Date.parse(at(6)), to, state: "closed" },
    ]);
  });

  it("marks the start unknown when older events were not listed", () => {
    const segments = breakerSegments(modelHealth(), [event(4, "open", "closed")], from, to, true);
    expect(segments[0]).toEqual({ from, to: Date.parse(at(4)), state: "unknown" });
  });

  it("uses today's state for a quiet range, unless that state began after it", () => {
    expect(breakerSegments(modelHealth({ state: "open", state_since: at(-5) }), [], from, to, false)).toEqual([
      { from, to, state: "open" },
    ]);
    expect(breakerSegments(modelHealth({ state: "open", state_since: at(20) }), [], from, to, false)).toEqual([
      { from, to, state: "unknown" },
    ]);
    expect(breakerSegments(modelHealth({ state: "closed", state_since: null }), [], from, to, false)).toEqual([
      { from, to, state: "closed" },
    ]);
  });

  it("ignores incident events and merges repeated states", () => {
    const events: ModelEvent[] = [
      event(3, "closed", "closed"),
      { at: at(2), model: "*", kind: "both_down", from_state: null, to_state: null, reason: null },
    ];
    expect(breakerSegments(modelHealth(), events, from, to, false)).toEqual([{ from, to, state: "closed" }]);
  });
});

describe("stateShares", () => {
  it("measures the time in each state, ignoring the unknown part", () => {
    const shares = stateShares([
      { from: 0, to: 10, state: "unknown" },
      { from: 10, to: 40, state: "closed" },
      { from: 40, to: 50, state: "open" },
    ]);
    expect(shares).toEqual({ closed: 0.75, open: 0.25, half_open: 0 });
  });
});

describe("errorClasses", () => {
  it("lists failures only, most frequent first, as shares of the failures", () => {
    expect(
      errorClasses([
        { outcome: "ok", calls: 90 },
        { outcome: "cancelled", calls: 4 },
        { outcome: "timeout", calls: 1 },
        { outcome: "server_error", calls: 3 },
      ]),
    ).toEqual([
      { outcome: "server_error", calls: 3, share: 0.75 },
      { outcome: "timeout", calls: 1, share: 0.25 },
    ]);
  });
});
