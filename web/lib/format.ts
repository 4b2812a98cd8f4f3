/**
 * How figures are written on the dashboard. Pure functions, one locale (en-US) so the
 * same number always reads the same; times are shown in the viewer's time zone.
 */

export const NO_VALUE = "—";

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** 12,345 */
export function formatInteger(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return NO_VALUE;
  return integerFormat.format(value);
}

/** 950, 12.3K, 4.5M: for chart axes and tight spots. */
export function formatCompact(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return NO_VALUE;
  return compactFormat.format(value);
}

/** A share (0..1) as a percentage: 0.1234 → "12.3%". Tiny non-zero shares do not read as 0. */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share == null || !Number.isFinite(share)) return NO_VALUE;
  const percent = share * 100;
  const smallest = 10 ** -digits;
  if (percent > 0 && percent < smallest) return `<${smallest.toFixed(digits)}%`;
  return `${percent.toFixed(digits)}%`;
}

/** Latency: "850 ms", "1.24 s", "12.5 s", "2.1 min". */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return NO_VALUE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${(seconds / 60).toFixed(1)} min`;
}

/** Short latency for axes: "850ms", "1.2s". */
export function formatMsShort(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  if (ms === 0) return "0";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds >= 120) return `${Math.round(seconds / 60)}m`;
  return `${seconds < 10 ? seconds.toFixed(1).replace(/\.0$/, "") : Math.round(seconds)}s`;
}

/**
 * US dollars with as many decimals as the amount needs: LLM answers cost fractions of a cent,
 * so "$0.00" would hide them. "$1,234", "$12.34", "$0.042", "$0.00031".
 */
export function formatUsd(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return NO_VALUE;
  const sign = value < 0 ? "-" : "";
  const amount = Math.abs(value);
  if (amount === 0) return "$0.00";
  if (amount >= 1000) return `${sign}$${integerFormat.format(amount)}`;
  if (amount >= 1) return `${sign}$${amount.toFixed(2)}`;
  if (amount >= 0.01) return `${sign}$${amount.toFixed(3)}`;
  // Two significant digits for sub-cent amounts.
  const decimals = Math.min(8, 1 - Math.floor(Math.log10(amount)));
  return `${sign}$${amount.toFixed(decimals)}`;
}

/** A span of time in seconds: "45 s", "12 min", "1 h 5 min", "2 d 3 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return NO_VALUE;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest ? `${days} d ${rest} h` : `${days} d`;
}

/** How long ago: "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatRelative(at: Date | string, now: Date | number): string {
  const then = typeof at === "string" ? new Date(at) : at;
  const nowMs = typeof now === "number" ? now : now.getTime();
  const seconds = Math.round((nowMs - then.getTime()) / 1000);
  if (!Number.isFinite(seconds)) return NO_VALUE;
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

function asDate(at: Date | string): Date {
  return typeof at === "string" ? new Date(at) : at;
}

/** "Nov 25, 14:32" (with the year when it is not `now`'s year). */
export function formatDateTime(at: Date | string, timeZone?: string, now: Date = new Date()): string {
  const date = asDate(at);
  const sameYear = yearIn(date, timeZone) === yearIn(now, timeZone);
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    year: sameYear ? undefined : "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  }).format(date);
}

/** "14:32:05": for chat bubbles and event lists where the day is shown elsewhere. */
export function formatTime(at: Date | string, timeZone?: string, seconds = false): string {
  return new Intl.DateTimeFormat("en-US", {
    hour: "2-digit",
    minute: "2-digit",
    second: seconds ? "2-digit" : undefined,
    hourCycle: "h23",
    timeZone,
  }).format(asDate(at));
}

/** "Tue, Nov 25": a day heading. */
export function formatDay(at: Date | string, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-US", { weekday: "short", month: "short", day: "numeric", timeZone }).format(
    asDate(at),
  );
}

function yearIn(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-US", { year: "numeric", timeZone }).format(date);
}

export type BucketSize = "minute" | "hour" | "day";

/** A chart axis tick for a bucket start: "14:05" for minutes and hours, "Nov 25" for days. */
export function formatBucketTick(at: Date | string, bucket: BucketSize, timeZone?: string): string {
  const date = asDate(at);
  if (bucket === "day") {
    return new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone }).format(date);
  }
  return formatTime(date, timeZone);
}

/** The full label of a bucket in a tooltip: "Nov 25, 14:00 – 15:00" or "Tue, Nov 25". */
export function formatBucketLabel(start: Date | string, end: Date | string, bucket: BucketSize, timeZone?: string): string {
  if (bucket === "day") return formatDay(start, timeZone);
  return `${formatDateTime(start, timeZone)} – ${formatTime(end, timeZone)}`;
}

/** Who a Telegram user is, in one line: "Anna Smith (@anna_1)", or the id if nothing else is known. */
export function formatUserName(user: {
  id: number;
  username?: string | null;
  first_name?: string | null;
  last_name?: string | null;
}): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ").trim();
  if (name && user.username) return `${name} (@${user.username})`;
  if (name) return name;
  if (user.username) return `@${user.username}`;
  return `user ${user.id}`;
}

/** "openai/gpt-4o-mini" → "gpt-4o-mini": the provider prefix is noise in tight places. */
export function shortModelName(model: string): string {
  const slash = model.lastIndexOf("/");
  return slash >= 0 ? model.slice(slash + 1) : model;
}

/** "rate_limited" → "Rate limited". */
export function humanize(identifier: string): string {
  const words = identifier.replace(/_/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : words;
}
