import { describe, expect, it } from "vitest";

import { METRIC_LABELS, answersByModel, hasActivity, incidentAreas, isFreshInstall, overviewMetrics } from "@/lib/overview";
import { point, summary } from "@/test-support/fixtures";

describe("overviewMetrics", () => {
  const current = summary();
  const previous = summary({
    users: { active: 40 },
    messages: { incoming: 1234 },
    answers: { fallback_share: 0.01, latency_mean_ms: 3500, latency_p50_ms: 3000, latency_p95_ms: 7000 },
    calls: { failed: 20 },
    usage: { cost_usd: 0.5 },
    incidents: { both_down: 0 },
  });
  const metrics = Object.fromEntries(overviewMetrics(current, previous).map((m) => [m.id, m]));

  it("has a card for every headline figure, in order", () => {
    expect(overviewMetrics(current, previous).map((m) => m.label)).toEqual([...METRIC_LABELS]);
  });

  it("formats the figures of the range", () => {
    expect(metrics["active-users"].value).toBe("48");
    expect(metrics.messages.value).toBe("1,234");
    expect(metrics.messages.detail).toBe("1,230 answers");
    expect(metrics["latency-mean"].value).toBe("3.31 s");
    expect(metrics["latency-mean"].detail).toBe("median 2.87 s · first token 531 ms");
    expect(metrics["latency-p95"].value).toBe("7.61 s");
    expect(metrics["fallback-share"].value).toBe("3.3%");
    expect(metrics["fallback-share"].detail).toBe("41 of 1,230 answers");
    expect(metrics.failures.value).toBe("44");
    expect(metrics.failures.detail).toBe("3.4% of 1,284 requests");
    expect(metrics.cost.value).toBe("$0.627");
    expect(metrics.incidents.detail).toBe("4 min with no model");
  });

  it("judges each change the way an operator would", () => {
    expect(metrics["active-users"].delta).toMatchObject({ direction: "up", tone: "good" });
    expect(metrics.messages.delta).toMatchObject({ direction: "flat" });
    expect(metrics["latency-mean"].delta).toMatchObject({ direction: "down", tone: "good" });
    expect(metrics["latency-p95"].delta).toMatchObject({ direction: "up", tone: "bad" });
    expect(metrics["fallback-share"].delta).toMatchObject({ kind: "points", direction: "up", tone: "bad" });
    expect(metrics.failures.delta).toMatchObject({ direction: "up", tone: "bad" });
    expect(metrics.cost.delta).toMatchObject({ direction: "up", tone: "neutral" });
    expect(metrics.incidents.delta).toMatchObject({ kind: "new", tone: "bad" });
  });

  it("shows dashes, not zeros, for figures that need answers", () => {
    const empty = summary({
      answers: {
        answers: 0,
        by_fallback: 0,
        fallback_share: null,
        latency_mean_ms: null,
        latency_p50_ms: null,
        latency_p95_ms: null,
      },
    });
    const byId = Object.fromEntries(overviewMetrics(empty, empty).map((m) => [m.id, m]));
    expect(byId["latency-mean"].value).toBe("—");
    expect(byId["fallback-share"].value).toBe("—");
    expect(byId["fallback-share"].delta).toEqual({ kind: "none" });
  });
});

describe("isFreshInstall", () => {
  it("is true only when nobody ever wrote", () => {
    const nothing = summary({ users: { total: 0 }, chats: { total: 0 }, messages: { incoming: 0, outgoing: 0 } });
    expect(isFreshInstall(nothing)).toBe(true);
    expect(isFreshInstall(summary({ messages: { incoming: 0, outgoing: 0 } }))).toBe(false);
  });
});

describe("answersByModel", () => {
  it("counts successful requests per model and bucket, busiest model first", () => {
    const points = [
      point("2026-01-31T10:00:00Z", {
        calls: [
          { model: "a/primary", outcome: "ok", calls: 5 },
          { model: "a/primary", outcome: "timeout", calls: 2 },
          { model: "b/fallback", outcome: "ok", calls: 2 },
        ],
      }),
      point("2026-01-31T11:00:00Z", {
        calls: [
          { model: "a/primary", outcome: "ok", calls: 7 },
          { model: "b/fallback", outcome: "cancelled", calls: 1 },
        ],
      }),
    ];
    const { rows, models } = answersByModel(points);
    expect(models).toEqual(["a/primary", "b/fallback"]);
    expect(rows.map((r) => [r["a/primary"], r["b/fallback"]])).toEqual([
      [5, 2],
      [7, 0],
    ]);
  });
});

describe("incidentAreas", () => {
  const from = Date.parse("2026-01-31T00:00:00Z");
  const to = Date.parse("2026-01-31T12:00:00Z");
  const now = to;

  it("clips incidents to the range and drops those outside", () => {
    const areas = incidentAreas(
      [
        { started_at: "2026-01-30T23:00:00Z", ended_at: "2026-01-31T02:00:00Z", duration_seconds: 10800 },
        { started_at: "2026-01-29T00:00:00Z", ended_at: "2026-01-29T01:00:00Z", duration_seconds: 3600 },
      ],
      from,
      to,
      now,
    );
    expect(areas).toHaveLength(1);
    expect(areas[0].x1).toBe(from);
    expect(areas[0].x2).toBe(Date.parse("2026-01-31T02:00:00Z"));
  });

  it("runs an open incident until now, and widens a short one so it shows", () => {
    const [open] = incidentAreas([{ started_at: "2026-01-31T11:00:00Z", ended_at: null, duration_seconds: null }], from, to, now - 60_000);
    expect(open.x2).toBe(now - 60_000);
    const [short] = incidentAreas(
      [{ started_at: "2026-01-31T06:00:00Z", ended_at: "2026-01-31T06:00:05Z", duration_seconds: 5 }],
      from,
      to,
      now,
    );
    expect(short.x2 - short.x1).toBeGreaterThanOrEqual((to - from) * 0.006);
  });
});

describe("hasActivity", () => {
  it("sees any message or request", () => {
    expect(hasActivity([point("2026-01-31T10:00:00Z")])).toBe(false);
    expect(hasActivity([point("2026-01-31T10:00:00Z", { calls_total: 1 })])).toBe(true);
  });
});
