/**
 * The time range every page shows, as kept in the URL:
 *   ?range=1h | 24h | 7d | 30d      a window ending now, which moves on every refresh
 *   ?from=ISO&to=ISO                 a fixed (custom) window
 * Anything missing or malformed falls back to the last 24 hours, so a bad link still opens.
 */

import type { BucketSize } from "@/lib/format";

export const PRESETS = {
  "1h": { label: "Last hour", short: "1h", ms: 60 * 60 * 1000 },
  "24h": { label: "Last 24 hours", short: "24h", ms: 24 * 60 * 60 * 1000 },
  "7d": { label: "Last 7 days", short: "7d", ms: 7 * 24 * 60 * 60 * 1000 },
  "30d": { label: "Last 30 days", short: "30d", ms: 30 * 24 * 60 * 60 * 1000 },
} as const;

export type PresetKey = keyof typeof PRESETS;
export const PRESET_KEYS = Object.keys(PRESETS) as PresetKey[];

export type RangeSpec = { kind: "preset"; preset: PresetKey } | { kind: "custom"; from: Date; to: Date };

export interface Window {
  from: Date;
  to: Date;
}

export const DEFAULT_PRESET: PresetKey = "24h";
export const DEFAULT_RANGE: RangeSpec = { kind: "preset", preset: DEFAULT_PRESET };

/** The stats API refuses longer ranges. */
export const MAX_RANGE_MS = 400 * 24 * 60 * 60 * 1000;

/** The URL parameters the range lives in; pages keep the others. */
export const RANGE_PARAMS = ["range", "from", "to"] as const;

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

function param(source: ParamSource, name: string): string | undefined {
  if (source instanceof URLSearchParams) return source.get(name) ?? undefined;
  const value = source[name];
  return Array.isArray(value) ? value[0] : value;
}

function isPreset(value: string | undefined): value is PresetKey {
  return value !== undefined && Object.hasOwn(PRESETS, value);
}

/** Parses an ISO-8601 instant; only full dates with a time are accepted ("2026-01-31T21:00:00Z"). */
export function parseInstant(value: string | undefined): Date | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The range a URL asks for; invalid input gives the default. */
export function parseRange(source: ParamSource): RangeSpec {
  const from = parseInstant(param(source, "from"));
  const to = parseInstant(param(source, "to"));
  if (from && to && validCustom(from, to)) return { kind: "custom", from, to };
  const preset = param(source, "range");
  if (isPreset(preset)) return { kind: "preset", preset };
  return DEFAULT_RANGE;
}

export function validCustom(from: Date, to: Date): boolean {
  const span = to.getTime() - from.getTime();
  return span >= 60_000 && span <= MAX_RANGE_MS;
}

/** The URL parameters for a range (the default range needs none). */
export function rangeToParams(spec: RangeSpec): Record<string, string> {
  if (spec.kind === "custom") return { from: spec.from.toISOString(), to: spec.to.toISOString() };
  return spec.preset === DEFAULT_PRESET ? {} : { range: spec.preset };
}

/** `search` with its range parameters replaced by `spec`'s, the others kept. */
export function withRange(search: URLSearchParams, spec: RangeSpec): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const name of RANGE_PARAMS) next.delete(name);
  for (const [name, value] of Object.entries(rangeToParams(spec))) next.set(name, value);
  return next;
}

/** Only the range parameters of `search`, for links between pages. */
export function rangeQuery(search: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of RANGE_PARAMS) {
    const value = search.get(name);
    if (value !== null) kept.set(name, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : "";
}

/** A stable string for cache keys: presets by name (their window moves), custom ranges by instants. */
export function rangeKey(spec: RangeSpec): string {
  return spec.kind === "preset" ? spec.preset : `${spec.from.toISOString()}/${spec.to.toISOString()}`;
}

export function sameRange(a: RangeSpec, b: RangeSpec): boolean {
  return rangeKey(a) === rangeKey(b);
}

/** The window to ask for at `now`: presets end now, custom ranges are fixed. */
export function resolveRange(spec: RangeSpec, now: Date | number): Window {
  if (spec.kind === "custom") return { from: spec.from, to: spec.to };
  const end = typeof now === "number" ? now : now.getTime();
  return { from: new Date(end - PRESETS[spec.preset].ms), to: new Date(end) };
}

/** The window of the same length just before `window`: what the deltas compare against. */
export function previousWindow(window: Window): Window {
  const span = window.to.getTime() - window.from.getTime();
  return { from: new Date(window.from.getTime() - span), to: window.from };
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * The bucket size for a chart of `window`: about 24 to 200 points, within the API's limits
 * (minute buckets up to 2 days, hour buckets up to 125 days).
 */
export function chooseBucket(window: Window): BucketSize {
  const span = window.to.getTime() - window.from.getTime();
  if (span <= 3 * HOUR) return "minute";
  if (span <= 8 * DAY) return "hour";
  return "day";
}

/** "Last 24 hours", or "Nov 20, 10:00 – Nov 21, 12:00" for a custom range. */
export function describeRange(spec: RangeSpec, timeZone?: string): string {
  if (spec.kind === "preset") return PRESETS[spec.preset].label;
  const format = new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  });
  return `${format.format(spec.from)} – ${format.format(spec.to)}`;
}

/** "the previous 24 hours": what a delta is measured against. */
export function describePrevious(spec: RangeSpec): string {
  if (spec.kind === "custom") return "the previous period of the same length";
  const label = PRESETS[spec.preset].label;
  return label.replace(/^Last/, "the previous");
}

/** A value for `<input type="datetime-local">` in the viewer's zone: "2026-01-31T21:00". */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant an `<input type="datetime-local">` value means in the viewer's zone; null if empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const date = new Date(y, mo - 1, d, h, mi);
  return Number.isNaN(date.getTime()) ? null : date;
}
