import { describe, expect, it } from "vitest";

import { formatDelta, pointsDelta, relativeDelta } from "@/lib/delta";

describe("relativeDelta", () => {
  it("measures the change against the previous period", () => {
    const delta = relativeDelta(120, 100, "higher-is-better");
    expect(delta).toMatchObject({ kind: "relative", direction: "up", tone: "good" });
    expect(formatDelta(delta)).toBe("+20.0%");
  });

  it("calls more failures bad news and fewer good news", () => {
    expect(relativeDelta(12, 10, "lower-is-better")).toMatchObject({ direction: "up", tone: "bad" });
    expect(relativeDelta(8, 10, "lower-is-better")).toMatchObject({ direction: "down", tone: "good" });
    expect(formatDelta(relativeDelta(8, 10, "lower-is-better"))).toBe("−20.0%");
  });

  it("keeps cost neutral either way", () => {
    expect(relativeDelta(30, 10, "neutral")).toMatchObject({ direction: "up", tone: "neutral" });
  });

  it("treats tiny changes as no change", () => {
    const delta = relativeDelta(1000.4, 1000, "higher-is-better");
    expect(delta).toMatchObject({ direction: "flat", tone: "neutral" });
    expect(formatDelta(delta)).toBe("no change");
  });

  it("says 'new' when the previous period had none", () => {
    expect(formatDelta(relativeDelta(5, 0, "higher-is-better"))).toBe("new");
    expect(relativeDelta(5, 0, "lower-is-better")).toMatchObject({ kind: "new", tone: "bad" });
    expect(formatDelta(relativeDelta(0, 0, "higher-is-better"))).toBe("no change");
  });

  it("drops decimals for large changes", () => {
    expect(formatDelta(relativeDelta(350, 100, "higher-is-better"))).toBe("+250%");
  });

  it("has nothing to say when a figure is missing", () => {
    expect(relativeDelta(null, 10, "lower-is-better")).toEqual({ kind: "none" });
    expect(formatDelta(relativeDelta(10, null, "lower-is-better"))).toBe("");
  });
});

describe("pointsDelta", () => {
  it("compares shares in percentage points", () => {
    const delta = pointsDelta(0.05, 0.03, "lower-is-better");
    expect(delta).toMatchObject({ kind: "points", direction: "up", tone: "bad" });
    expect(formatDelta(delta)).toBe("+2.0 pp");
    expect(formatDelta(pointsDelta(0.03, 0.05, "lower-is-better"))).toBe("−2.0 pp");
  });

  it("treats a change under 0.1 pp as no change", () => {
    expect(formatDelta(pointsDelta(0.0301, 0.03, "lower-is-better"))).toBe("no change");
  });

  it("has nothing to say without answers in a period", () => {
    expect(pointsDelta(0.05, null, "lower-is-better")).toEqual({ kind: "none" });
  });
});
