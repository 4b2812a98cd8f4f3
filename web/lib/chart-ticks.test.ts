import { describe, expect, it } from "vitest";

import { dayTicks, latencyTicks, timeTicks } from "@/lib/chart-ticks";

const hours = (count: number, start = "2026-01-25T00:00:00Z") =>
  Array.from({ length: count }, (_, i) => ({ start: new Date(Date.parse(start) + i * 3_600_000).toISOString() }));

describe("dayTicks", () => {
  it("ticks every local midnight of a week of hours", () => {
    const ticks = dayTicks(hours(7 * 24), "hour", "UTC");
    expect(ticks).toHaveLength(7);
    expect(ticks?.every((t) => t.endsWith("T00:00:00.000Z"))).toBe(true);
  });

  it("follows the viewer's zone", () => {
    const ticks = dayTicks(hours(72), "hour", "Europe/Moscow");
    expect(ticks?.[0]).toBe("2026-01-25T21:00:00.000Z");
  });

  it("leaves a day of hours, and other bucket sizes, to the chart", () => {
    expect(dayTicks(hours(24), "hour", "UTC")).toBeUndefined();
    expect(dayTicks(hours(72), "minute", "UTC")).toBeUndefined();
  });
});

describe("timeTicks", () => {
  it("labels at most a few buckets", () => {
    expect(timeTicks(hours(24), "hour", "UTC", 8)).toHaveLength(8);
    expect(timeTicks([], "hour", "UTC")).toEqual([]);
  });
});

describe("latencyTicks", () => {
  it("uses round steps that cover the highest value", () => {
    expect(latencyTicks(7611)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(latencyTicks(26_000)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(latencyTicks(900)).toEqual([0, 250, 500, 750, 1000]);
  });

  it("has an axis even without answers", () => {
    expect(latencyTicks(0)).toEqual([0, 1000]);
  });
});
