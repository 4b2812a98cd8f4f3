/** Axis ticks that read well: whole days on multi-day charts, round durations on latency charts. */

import type { BucketSize } from "@/lib/format";

function localHourMinute(iso: string, timeZone?: string): [number, number] {
  const parts = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "numeric", hourCycle: "h23", timeZone })
    .formatToParts(new Date(iso));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return [get("hour"), get("minute")];
}

/**
 * For hourly series longer than a day and a half: one tick per local midnight (labelled with
 * the date). Otherwise undefined, and the chart picks its own ticks.
 */
export function dayTicks(points: { start: string }[], bucket: BucketSize, timeZone?: string): string[] | undefined {
  if (bucket !== "hour" || points.length <= 36) return undefined;
  const ticks = points.filter((p) => {
    const [hour, minute] = localHourMinute(p.start, timeZone);
    return hour === 0 && minute === 0;
  });
  return ticks.length >= 2 ? ticks.map((p) => p.start) : undefined;
}

const STEPS_MS = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000];

/** 0 and up to `count` round steps (250 ms, 1 s, 5 s, 10 s, …) covering `maxMs`. */
export function latencyTicks(maxMs: number, count = 4): number[] {
  if (!Number.isFinite(maxMs) || maxMs <= 0) return [0, 1000];
  const step = STEPS_MS.find((s) => s * count >= maxMs) ?? Math.ceil(maxMs / count / 60_000) * 60_000;
  const ticks = [0];
  while (ticks[ticks.length - 1] < maxMs) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/**
 * Bucket starts to label on an axis: the local midnights of a long hourly chart, else every
 * k-th bucket so that at most `max` ticks show.
 */
export function timeTicks(points: { start: string }[], bucket: BucketSize, timeZone?: string, max = 8): string[] {
  const days = dayTicks(points, bucket, timeZone);
  if (days) return days;
  if (points.length === 0) return [];
  const every = Math.max(1, Math.ceil(points.length / max));
  return points.filter((_, i) => i % every === 0).map((p) => p.start);
}
