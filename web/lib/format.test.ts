import { describe, expect, it } from "vitest";

import {
  NO_VALUE,
  formatBucketLabel,
  formatBucketTick,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatInteger,
  formatMs,
  formatMsShort,
  formatPercent,
  formatRelative,
  formatUsd,
  formatUserName,
  humanize,
  shortModelName,
} from "@/lib/format";

describe("numbers", () => {
  it("groups thousands and shows a dash for missing figures", () => {
    expect(formatInteger(1234567)).toBe("1,234,567");
    expect(formatInteger(0)).toBe("0");
    expect(formatInteger(null)).toBe(NO_VALUE);
    expect(formatInteger(Number.NaN)).toBe(NO_VALUE);
  });

  it("abbreviates for axes", () => {
    expect(formatCompact(950)).toBe("950");
    expect(formatCompact(12_345)).toBe("12.3K");
    expect(formatCompact(4_500_000)).toBe("4.5M");
  });

  it("writes shares as percentages without hiding tiny ones", () => {
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(0)).toBe("0.0%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatPercent(0.00001)).toBe("<0.1%");
    expect(formatPercent(null)).toBe(NO_VALUE);
  });
});

describe("latency", () => {
  it.each([
    [0, "0 ms"],
    [850.4, "850 ms"],
    [1240, "1.24 s"],
    [12_500, "12.5 s"],
    [126_000, "2.1 min"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it("is short on axes", () => {
    expect(formatMsShort(0)).toBe("0");
    expect(formatMsShort(500)).toBe("500ms");
    expect(formatMsShort(5000)).toBe("5s");
    expect(formatMsShort(2500)).toBe("2.5s");
    expect(formatMsShort(30_000)).toBe("30s");
    expect(formatMsShort(300_000)).toBe("5m");
  });

  it("shows a dash when there were no answers", () => {
    expect(formatMs(null)).toBe(NO_VALUE);
  });
});

describe("money", () => {
  it.each([
    [0, "$0.00"],
    [1234.5, "$1,235"],
    [12.345, "$12.35"],
    [0.0421, "$0.042"],
    [0.00042, "$0.00042"],
    [0.0000123, "$0.000012"],
    [-3.5, "-$3.50"],
  ])("%d USD reads %s", (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });

  it("never rounds a real cost to nothing", () => {
    expect(formatUsd(0.000004)).not.toBe("$0.00");
  });
});

describe("durations and times", () => {
  it.each([
    [45, "45 s"],
    [720, "12 min"],
    [3900, "1 h 5 min"],
    [7200, "2 h"],
    [183_600, "2 d 3 h"],
  ])("%d seconds reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("counts how long ago", () => {
    const now = Date.parse("2026-01-31T12:00:00Z");
    expect(formatRelative("2026-01-31T11:59:58Z", now)).toBe("just now");
    expect(formatRelative("2026-01-31T11:59:30Z", now)).toBe("30 s ago");
    expect(formatRelative("2026-01-31T11:55:00Z", now)).toBe("5 min ago");
    expect(formatRelative("2026-01-31T09:00:00Z", now)).toBe("3 h ago");
    expect(formatRelative("2026-01-28T12:00:00Z", now)).toBe("3 d ago");
  });

  it("writes dates in the given zone, with the year only when it differs", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    expect(formatDateTime("2026-01-31T21:05:00Z", "UTC", now)).toBe("Jan 31, 21:05");
    expect(formatDateTime("2026-01-31T21:05:00Z", "Europe/Moscow", now)).toBe("Feb 1, 00:05");
    expect(formatDateTime("2025-01-31T21:05:00Z", "UTC", now)).toBe("Jan 31, 2025, 21:05");
  });

  it("labels buckets by their size", () => {
    expect(formatBucketTick("2026-01-31T21:00:00Z", "hour", "UTC")).toBe("21:00");
    expect(formatBucketTick("2026-01-31T00:00:00Z", "day", "UTC")).toBe("Jan 31");
    expect(formatBucketLabel("2026-01-31T21:00:00Z", "2026-01-31T22:00:00Z", "hour", "UTC")).toMatch(
      /Jan 31, 21:00 – 22:00/,
    );
  });
});

describe("names", () => {
  it("prefers a full name, then the username, then the id", () => {
    expect(formatUserName({ id: 1, username: "anna", first_name: "Anna", last_name: "Smith" })).toBe(
      "Anna Smith (@anna)",
    );
    expect(formatUserName({ id: 1, username: null, first_name: "Anna", last_name: null })).toBe("Anna");
    expect(formatUserName({ id: 1, username: "anna", first_name: null, last_name: null })).toBe("@anna");
    expect(formatUserName({ id: 42 })).toBe("user 42");
  });

  it("shortens model ids and humanizes identifiers", () => {
    expect(shortModelName("openai/gpt-4o-mini")).toBe("gpt-4o-mini");
    expect(shortModelName("local-model")).toBe("local-model");
    expect(humanize("rate_limited")).toBe("Rate limited");
    expect(humanize("half_open")).toBe("Half open");
  });
});
