/**
 * What went wrong between the browser, this dashboard's server and the stats API. The server's
 * route handlers answer errors as `{ error: kind, detail }`; the browser turns them into banners.
 */

export type StatsErrorKind =
  | "session" // the operator's session is missing or expired: log in again
  | "unreachable" // the stats API does not answer (down, wrong STATS_API_URL, timeout)
  | "unauthorized" // the stats API refused our token
  | "unavailable" // the stats API answers but its database does not (503)
  | "invalid" // a parameter was refused
  | "not_found"
  | "upstream"; // anything else odd from the stats API

export interface StatsErrorBody {
  error: StatsErrorKind;
  detail: string;
}

const KINDS: readonly StatsErrorKind[] = [
  "session",
  "unreachable",
  "unauthorized",
  "unavailable",
  "invalid",
  "not_found",
  "upstream",
];

export function isStatsErrorBody(value: unknown): value is StatsErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.error === "string" && KINDS.includes(record.error as StatsErrorKind) && typeof record.detail === "string";
}

export class StatsError extends Error {
  constructor(
    readonly kind: StatsErrorKind,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "StatsError";
  }

  /** Errors that mean the whole API is out of reach, as opposed to one bad request. */
  get isOutage(): boolean {
    return this.kind === "unreachable" || this.kind === "unauthorized" || this.kind === "unavailable";
  }
}
