/**
 * The browser's only way to the stats API: a fixed list of paths and parameters, checked here,
 * then forwarded with the bearer token from this server's environment. Anything else is refused
 * before it leaves the server, so the route cannot be used to reach other paths of the API.
 */

import type { StatsErrorBody, StatsErrorKind } from "@/lib/api/errors";

type Check = (value: string) => string | null; // an error message, or null when the value is fine

const MAX_ISO_LENGTH = 40;

const isoInstant: Check = (value) =>
  value.length <= MAX_ISO_LENGTH &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/.test(value) &&
  !Number.isNaN(new Date(value).getTime())
    ? null
    : "must be an ISO-8601 date and time";

const intBetween =
  (low: number, high: number): Check =>
  (value) => {
    if (!/^\d{1,4}$/.test(value)) return `must be a whole number from ${low} to ${high}`;
    const n = Number(value);
    return n >= low && n <= high ? null : `must be a whole number from ${low} to ${high}`;
  };

const oneOf =
  (...choices: string[]): Check =>
  (value) =>
    choices.includes(value) ? null : `must be one of ${choices.join(", ")}`;

const textUpTo =
  (max: number): Check =>
  (value) => {
    if (value.length > max) return `may be at most ${max} characters`;
    // Control characters (NUL among them) have no place in a search.
    return /[\u0000-\u001f\u007f]/.test(value) ? "may not contain control characters" : null;
  };

// Cursors are opaque base64url strings made by the API.
const cursor: Check = (value) => (/^[A-Za-z0-9_-]{1,200}$/.test(value) ? null : "is not a cursor the API gave");

// IANA zone names: "UTC", "Europe/Moscow", "America/Argentina/Buenos_Aires", "Etc/GMT+3".
const timeZone: Check = (value) => (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(value) && value.length <= 64 ? null : "is not a time zone name");

const RANGE = { from: isoInstant, to: isoInstant };

interface Endpoint {
  /** Matches the path below /api/v1/, without a leading slash. */
  pattern: RegExp;
  params: Record<string, Check>;
}

const CHAT_ID = "-?\\d{1,19}";

export const ENDPOINTS: Endpoint[] = [
  { pattern: /^summary$/, params: RANGE },
  { pattern: /^timeseries$/, params: { ...RANGE, tz: timeZone, bucket: oneOf("minute", "hour", "day") } },
  {
    pattern: /^dialogs$/,
    params: {
      ...RANGE,
      limit: intBetween(1, 200),
      cursor,
      q: textUpTo(100),
      text: textUpTo(200),
      sort: oneOf("activity", "messages", "cost"),
      order: oneOf("desc", "asc"),
    },
  },
  { pattern: new RegExp(`^dialogs/${CHAT_ID}/messages$`), params: { limit: intBetween(1, 500), cursor } },
  { pattern: /^users\/top$/, params: { ...RANGE, limit: intBetween(1, 100) } },
  { pattern: /^models$/, params: { ...RANGE, events: intBetween(0, 200) } },
];

export type ProxyTarget =
  | { ok: true; path: string; query: URLSearchParams }
  | { ok: false; status: number; body: StatsErrorBody };

function refuse(status: number, error: StatsErrorKind, detail: string): ProxyTarget {
  return { ok: false, status, body: { error, detail } };
}

/** Checks a request for `/api/stats/<segments>?<search>` against the allow-list. */
export function resolveTarget(segments: string[], search: URLSearchParams): ProxyTarget {
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    return refuse(404, "not_found", "no such statistics");
  }
  const path = segments.join("/");
  const endpoint = ENDPOINTS.find((candidate) => candidate.pattern.test(path));
  if (!endpoint) return refuse(404, "not_found", "no such statistics");
  const query = new URLSearchParams();
  for (const name of new Set(search.keys())) {
    const check = endpoint.params[name];
    if (!check) return refuse(400, "invalid", `unknown parameter "${name}"`);
    const values = search.getAll(name);
    if (values.length > 1) return refuse(400, "invalid", `parameter "${name}" given more than once`);
    const problem = check(values[0]);
    if (problem) return refuse(400, "invalid", `parameter "${name}" ${problem}`);
    query.set(name, values[0]);
  }
  return { ok: true, path, query };
}

export interface Upstream {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface ProxyResult {
  status: number;
  body: unknown;
}

function detailOf(body: unknown): string | null {
  if (typeof body === "object" && body !== null && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    // FastAPI's 422: a list of { loc, msg }.
    if (Array.isArray(detail)) {
      return detail
        .map((item) => (typeof item === "object" && item && "msg" in item ? String(item.msg) : ""))
        .filter(Boolean)
        .join("; ");
    }
  }
  return null;
}

/** Calls the stats API and maps its answer (or its silence) to what the browser gets. */
export async function callStatsApi(target: { path: string; query: URLSearchParams }, upstream: Upstream): Promise<ProxyResult> {
  const url = `${upstream.baseUrl}/api/v1/${target.path}${target.query.size ? `?${target.query}` : ""}`;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (upstream.token) headers.Authorization = `Bearer ${upstream.token}`;
  let response: Response;
  try {
    response = await (upstream.fetchImpl ?? fetch)(url, {
      headers,
      cache: "no-store",
      signal: AbortSignal.timeout(upstream.timeoutMs ?? 15_000),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const detail = timedOut
      ? `the stats API at ${upstream.baseUrl} did not answer in time`
      : `cannot reach the stats API at ${upstream.baseUrl}`;
    return { status: 502, body: { error: "unreachable", detail } satisfies StatsErrorBody };
  }

  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok) {
    if (body === null) {
      return { status: 502, body: { error: "upstream", detail: "the stats API sent something that is not JSON" } };
    }
    return { status: 200, body };
  }
  const detail = detailOf(body);
  switch (response.status) {
    case 401:
    case 403:
      return {
        status: 502,
        body: {
          error: "unauthorized",
          detail: "the stats API refused the dashboard's token: STATS_API_TOKEN must be the same for both",
        },
      };
    case 404:
      return { status: 404, body: { error: "not_found", detail: detail ?? "not found" } };
    case 400:
    case 422:
      return { status: 400, body: { error: "invalid", detail: detail ?? "the stats API refused the request" } };
    case 503:
      return { status: 503, body: { error: "unavailable", detail: detail ?? "the stats API is not ready" } };
    default:
      return {
        status: 502,
        body: { error: "upstream", detail: `the stats API answered ${response.status}${detail ? `: ${detail}` : ""}` },
      };
  }
}
