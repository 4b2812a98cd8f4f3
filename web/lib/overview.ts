/** The overview's figures, derived from the stats API's answers. Pure, so they are unit-tested. */

import type { Incident, SeriesPoint, Summary } from "@/lib/api/types";
import { pointsDelta, relativeDelta, type Delta } from "@/lib/delta";
import { formatDuration, formatInteger, formatMs, formatPercent, formatUsd } from "@/lib/format";

export type MetricId =
  | "active-users"
  | "messages"
  | "latency-mean"
  | "latency-p95"
  | "fallback-share"
  | "failures"
  | "cost"
  | "incidents";

export interface Metric {
  id: MetricId;
  label: string;
  value: string;
  /** A second line of context under the value. */
  detail: string;
  delta: Delta;
  /** The same figure in the previous period, for the delta's tooltip. */
  previous: string;
  help: string;
}

/** The cards' titles, in order, for skeletons and placeholders. */
export const METRIC_LABELS = [
  "Active users",
  "Messages",
  "Average latency",
  "p95 latency",
  "Fallback share",
  "Failed requests",
  "Cost",
  "Incidents",
] as const;

export function overviewMetrics(current: Summary, previous: Summary): Metric[] {
  const c = current;
  const p = previous;
  return [
    {
      id: "active-users",
      label: "Active users",
      value: formatInteger(c.users.active),
      detail: `${formatInteger(c.users.new)} new · ${formatInteger(c.users.total)} in total`,
      delta: relativeDelta(c.users.active, p.users.active, "higher-is-better"),
      previous: formatInteger(p.users.active),
      help: "Distinct users who wrote to the bot in the range.",
    },
    {
      id: "messages",
      label: "Messages",
      value: formatInteger(c.messages.incoming),
      detail: `${formatInteger(c.messages.outgoing)} answers`,
      delta: relativeDelta(c.messages.incoming, p.messages.incoming, "higher-is-better"),
      previous: formatInteger(p.messages.incoming),
      help: "Messages users sent that the bot took; below, the answers it gave.",
    },
    {
      id: "latency-mean",
      label: "Average latency",
      value: formatMs(c.answers.latency_mean_ms),
      detail: `median ${formatMs(c.answers.latency_p50_ms)} · first token ${formatMs(c.calls.ttft_mean_ms)}`,
      delta: relativeDelta(c.answers.latency_mean_ms, p.answers.latency_mean_ms, "lower-is-better"),
      previous: formatMs(p.answers.latency_mean_ms),
      help: "Mean time from receiving a question to delivering its answer; below, the median and the mean time to the model's first token.",
    },
    {
      id: "latency-p95",
      label: "p95 latency",
      value: formatMs(c.answers.latency_p95_ms),
      detail: `time to first token p95 ${formatMs(c.calls.ttft_p95_ms)}`,
      delta: relativeDelta(c.answers.latency_p95_ms, p.answers.latency_p95_ms, "lower-is-better"),
      previous: formatMs(p.answers.latency_p95_ms),
      help: "95 % of the answers took less than this.",
    },
    {
      id: "fallback-share",
      label: "Fallback share",
      value: formatPercent(c.answers.fallback_share),
      detail: `${formatInteger(c.answers.by_fallback)} of ${formatInteger(c.answers.answers)} answers`,
      delta: pointsDelta(c.answers.fallback_share, p.answers.fallback_share, "lower-is-better"),
      previous: formatPercent(p.answers.fallback_share),
      help: "Share of answers the fallback model gave because the primary could not.",
    },
    {
      id: "failures",
      label: "Failed requests",
      value: formatInteger(c.calls.failed),
      detail: `${formatPercent(c.calls.failure_rate)} of ${formatInteger(c.calls.total - c.calls.cancelled)} requests`,
      delta: relativeDelta(c.calls.failed, p.calls.failed, "lower-is-better"),
      previous: formatInteger(p.calls.failed),
      help: "Model requests that failed (timeouts, errors, rate limits…); cancelled hedges excluded.",
    },
    {
      id: "cost",
      label: "Cost",
      value: formatUsd(c.usage.cost_usd),
      detail: `${formatInteger(c.usage.total_tokens)} tokens`,
      delta: relativeDelta(c.usage.cost_usd, p.usage.cost_usd, "neutral"),
      previous: formatUsd(p.usage.cost_usd),
      help: "What the models reported for every request, failed ones that were billed included.",
    },
    {
      id: "incidents",
      label: "Incidents",
      value: formatInteger(c.incidents.both_down),
      detail:
        c.incidents.both_down_seconds > 0
          ? `${formatDuration(c.incidents.both_down_seconds)} with no model`
          : "no time without a model",
      delta: relativeDelta(c.incidents.both_down, p.incidents.both_down, "lower-is-better"),
      previous: formatInteger(p.incidents.both_down),
      help: "Both-down incidents: times no model could answer. The duration counts an open incident until now.",
    },
  ];
}

/** Whether the bot has never been used: nothing ever written, not only nothing in this range. */
export function isFreshInstall(summary: Summary): boolean {
  return summary.users.total === 0 && summary.chats.total === 0 && summary.messages.incoming === 0;
}

export interface ModelRow {
  start: string;
  end: string;
  [model: string]: number | string;
}

/**
 * Answers per model per bucket, from the successful requests: every answer comes from exactly
 * one successful request (a hedge's loser is cancelled, not `ok`).
 */
export function answersByModel(points: SeriesPoint[]): { rows: ModelRow[]; models: string[] } {
  const totals = new Map<string, number>();
  for (const point of points) {
    for (const call of point.calls) {
      if (call.outcome === "ok") totals.set(call.model, (totals.get(call.model) ?? 0) + call.calls);
    }
  }
  // Busiest model first, so it sits at the bottom of the stack and first in the legend.
  const models = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([m]) => m);
  const rows = points.map((point) => {
    const row: ModelRow = { start: point.start, end: point.end };
    for (const model of models) row[model] = 0;
    for (const call of point.calls) {
      if (call.outcome === "ok") row[call.model] = (row[call.model] as number) + call.calls;
    }
    return row;
  });
  return { rows, models };
}

export interface IncidentArea {
  /** Where to shade, in ms since the epoch, clipped to the range. */
  x1: number;
  x2: number;
  incident: Incident;
}

/**
 * The part of each incident inside `[from, to)`; an open incident lasts until `now`. Short
 * incidents get a minimum width (0.6 % of the range), or they would be invisible.
 */
export function incidentAreas(incidents: Incident[], from: number, to: number, now: number): IncidentArea[] {
  const minimum = (to - from) * 0.006;
  const areas: IncidentArea[] = [];
  for (const incident of incidents) {
    const begin = Date.parse(incident.started_at);
    const finish = incident.ended_at ? Date.parse(incident.ended_at) : Math.min(now, to);
    if (finish < from || begin >= to) continue;
    const x1 = Math.max(begin, from);
    const x2 = Math.min(Math.max(finish, x1 + minimum), to);
    areas.push({ x1, x2, incident });
  }
  return areas;
}

/** Whether a series has anything in it worth drawing. */
export function hasActivity(points: SeriesPoint[]): boolean {
  return points.some((p) => p.messages_in > 0 || p.messages_out > 0 || p.calls_total > 0);
}
