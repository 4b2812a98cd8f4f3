import { describe, expect, it } from "vitest";

import {
  DEFAULT_RANGE,
  chooseBucket,
  describePrevious,
  describeRange,
  fromLocalInput,
  parseRange,
  previousWindow,
  rangeKey,
  rangeQuery,
  rangeToParams,
  resolveRange,
  toLocalInput,
  withRange,
} from "@/lib/time-range";

const HOUR = 3_600_000;

describe("parseRange", () => {
  it("reads presets", () => {
    expect(parseRange(new URLSearchParams("range=7d"))).toEqual({ kind: "preset", preset: "7d" });
    expect(parseRange({ range: "1h" })).toEqual({ kind: "preset", preset: "1h" });
  });

  it("reads a custom range, which wins over a preset", () => {
    const spec = parseRange(new URLSearchParams("range=7d&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"));
    expect(spec).toEqual({
      kind: "custom",
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-01-02T00:00:00Z"),
    });
  });

  it.each([
    ["", "nothing"],
    ["range=2y", "an unknown preset"],
    ["range=constructor", "an inherited property name"],
    ["from=yesterday&to=today", "words"],
    ["from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "an end before the start"],
    ["from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "more than 400 days"],
    ["from=2026-01-01&to=2026-01-02", "dates without times"],
  ])("falls back to the last 24 hours for %j (%s)", (query) => {
    expect(parseRange(new URLSearchParams(query))).toEqual(DEFAULT_RANGE);
  });
});

describe("URLs", () => {
  it("round-trips through the URL", () => {
    const custom = { kind: "custom", from: new Date("2026-01-01T10:00:00Z"), to: new Date("2026-01-01T12:00:00Z") } as const;
    expect(parseRange(new URLSearchParams(rangeToParams(custom)))).toEqual(custom);
    expect(parseRange(new URLSearchParams(rangeToParams({ kind: "preset", preset: "30d" })))).toEqual({
      kind: "preset",
      preset: "30d",
    });
  });

  it("keeps the default out of the URL", () => {
    expect(rangeToParams(DEFAULT_RANGE)).toEqual({});
  });

  it("replaces only the range parameters", () => {
    const next = withRange(new URLSearchParams("q=anna&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"), {
      kind: "preset",
      preset: "7d",
    });
    expect(next.toString()).toBe("q=anna&range=7d");
  });

  it("carries the range, and nothing else, between pages", () => {
    expect(rangeQuery(new URLSearchParams("range=7d&q=anna&sort=cost.desc"))).toBe("?range=7d");
    expect(rangeQuery(new URLSearchParams("q=anna"))).toBe("");
  });

  it("keys presets by name, so their moving window shares a cache entry", () => {
    expect(rangeKey({ kind: "preset", preset: "24h" })).toBe("24h");
    expect(rangeKey({ kind: "custom", from: new Date(0), to: new Date(HOUR) })).toBe(
      "1970-01-01T00:00:00.000Z/1970-01-01T01:00:00.000Z",
    );
  });
});

describe("windows", () => {
  const now = Date.parse("2026-01-31T12:00:00Z");

  it("ends a preset now", () => {
    expect(resolveRange({ kind: "preset", preset: "24h" }, now)).toEqual({
      from: new Date("2026-01-30T12:00:00Z"),
      to: new Date("2026-01-31T12:00:00Z"),
    });
  });

  it("keeps a custom range fixed", () => {
    const spec = { kind: "custom", from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-01-02T00:00:00Z") } as const;
    expect(resolveRange(spec, now)).toEqual({ from: spec.from, to: spec.to });
  });

  it("compares with the period of the same length just before", () => {
    const window = { from: new Date("2026-01-30T12:00:00Z"), to: new Date("2026-01-31T12:00:00Z") };
    expect(previousWindow(window)).toEqual({ from: new Date("2026-01-29T12:00:00Z"), to: window.from });
  });

  it.each([
    [1, "minute"],
    [3, "minute"],
    [24, "hour"],
    [7 * 24, "hour"],
    [30 * 24, "day"],
    [365 * 24, "day"],
  ])("draws %d hours in %s buckets", (hours, bucket) => {
    expect(chooseBucket({ from: new Date(0), to: new Date(hours * HOUR) })).toBe(bucket);
  });
});

describe("descriptions", () => {
  it("names presets and spells out custom ranges", () => {
    expect(describeRange({ kind: "preset", preset: "7d" })).toBe("Last 7 days");
    expect(describePrevious({ kind: "preset", preset: "7d" })).toBe("the previous 7 days");
    expect(
      describeRange(
        { kind: "custom", from: new Date("2026-01-01T10:00:00Z"), to: new Date("2026-01-02T12:30:00Z") },
        "UTC",
      ),
    ).toBe("Jan 1, 10:00 – Jan 2, 12:30");
  });
});

describe("datetime-local inputs", () => {
  it("round-trips in the local zone", () => {
    const date = new Date(2026, 0, 31, 21, 5);
    expect(toLocalInput(date)).toBe("2026-01-31T21:05");
    expect(fromLocalInput("2026-01-31T21:05")).toEqual(date);
  });

  it("refuses what is not a datetime-local value", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("tomorrow")).toBeNull();
  });
});
