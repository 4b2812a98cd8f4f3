/** The browser's side of the stats: fetches from this dashboard's own `/api/stats/*` routes. */
import { StatsError, isStatsErrorBody } from "@/lib/api/errors";

export type Params = Record<string, string | number | undefined | null>;

export function statsUrl(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const query = search.toString();
  return `/api/stats/${path}${query ? `?${query}` : ""}`;
}

/** GETs a statistic; failures become a StatsError whose kind says what to tell the operator. */
export async function fetchStats<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(statsUrl(path, params), { signal, headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    // The dashboard's own server did not answer (restarting, or the network is gone).
    throw new StatsError("unreachable", "the dashboard server does not answer", 0);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body !== null) return body as T;
  if (isStatsErrorBody(body)) throw new StatsError(body.error, body.detail, response.status);
  throw new StatsError("upstream", `unexpected answer (${response.status})`, response.status);
}
