/** Stats-API answers for unit and component tests, shaped by the generated types. */
import type { Dialog, DialogMessage, ModelHealth, SeriesPoint, Summary } from "@/lib/api/types";

export function summary(overrides: Partial<{ [K in keyof Summary]: Partial<Summary[K]> }> = {}): Summary {
  const base: Summary = {
    range: { from: "2026-01-30T12:00:00Z", to: "2026-01-31T12:00:00Z" },
    users: { total: 120, new: 7, active: 48, active_day: 48, active_week: 90, active_month: 120 },
    chats: { total: 130, new: 8, active: 50 },
    messages: { incoming: 1234, outgoing: 1230 },
    answers: {
      answers: 1230,
      by_fallback: 41,
      fallback_share: 41 / 1230,
      latency_mean_ms: 3310.25,
      latency_p50_ms: 2873.5,
      latency_p95_ms: 7611,
    },
    calls: {
      total: 1300,
      ok: 1240,
      failed: 44,
      cancelled: 16,
      failure_rate: 44 / 1284,
      ttft_mean_ms: 530.5,
      ttft_p50_ms: 481,
      ttft_p95_ms: 1386,
    },
    incidents: { both_down: 1, both_down_seconds: 243 },
    usage: { prompt_tokens: 500_000, completion_tokens: 120_000, total_tokens: 620_000, cost_usd: 0.627 },
  };
  const merged = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    merged[key] = { ...(base as unknown as Record<string, object>)[key], ...value };
  }
  return merged as unknown as Summary;
}

export function point(start: string, overrides: Partial<SeriesPoint> = {}): SeriesPoint {
  const end = new Date(Date.parse(start) + 3_600_000).toISOString().replace(".000Z", "Z");
  return {
    start,
    end,
    messages_in: 0,
    messages_out: 0,
    active_users: 0,
    failovers: 0,
    calls_total: 0,
    calls_failed: 0,
    calls: [],
    latency_mean_ms: null,
    latency_p50_ms: null,
    latency_p95_ms: null,
    tokens: 0,
    cost_usd: 0,
    ...overrides,
  };
}

export function dialog(overrides: Partial<Dialog> = {}): Dialog {
  return {
    chat_id: 42,
    type: "private",
    title: null,
    role: null,
    user: { id: 42, username: "anna", first_name: "Anna", last_name: "Smith" },
    created_at: "2026-01-01T00:00:00Z",
    last_activity_at: "2026-01-31T11:00:00Z",
    messages_in: 10,
    messages_out: 10,
    cost_usd: 0.01,
    ...overrides,
  };
}

export function message(overrides: Partial<DialogMessage> = {}): DialogMessage {
  return {
    id: 1,
    direction: "in",
    created_at: "2026-01-31T11:00:00Z",
    user_id: 42,
    author: null,
    text: "hello",
    role: null,
    model: null,
    is_fallback: false,
    latency_ms: null,
    cost_usd: null,
    ...overrides,
  };
}

export function modelHealth(overrides: Partial<ModelHealth> = {}): ModelHealth {
  return {
    model: "openai/gpt-4o-mini",
    configured_as: "primary",
    state: "closed",
    state_since: null,
    last_reason: null,
    last_failure: null,
    calls: 100,
    failures: 0,
    failure_rate: 0,
    outcomes: [{ outcome: "ok", calls: 100 }],
    events: [],
    ...overrides,
  };
}
