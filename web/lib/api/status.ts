"use client";

import { useQueryClient, type Query } from "@tanstack/react-query";
import { useCallback, useSyncExternalStore } from "react";

import { StatsError, type StatsErrorKind } from "@/lib/api/errors";

export interface ApiStatus {
  /** The latest outage among the queries on screen, if any. */
  outage: { kind: StatsErrorKind; detail: string; since: number } | null;
  /** When figures on screen were last received (ms since the epoch), 0 if never. */
  lastUpdated: number;
  fetching: boolean;
}

/** Reduces the observed queries to what the status banner and the live indicator show. */
export function summarizeQueries(queries: readonly Query[]): ApiStatus {
  let outage: ApiStatus["outage"] = null;
  let lastUpdated = 0;
  let fetching = false;
  for (const query of queries) {
    if (query.getObserversCount() === 0) continue;
    const { error, errorUpdatedAt, dataUpdatedAt, fetchStatus } = query.state;
    if (fetchStatus === "fetching") fetching = true;
    lastUpdated = Math.max(lastUpdated, dataUpdatedAt);
    if (error instanceof StatsError && error.isOutage && (!outage || errorUpdatedAt > outage.since)) {
      outage = { kind: error.kind, detail: error.message, since: errorUpdatedAt };
    }
  }
  return { outage, lastUpdated, fetching };
}

function serialize(status: ApiStatus): string {
  return JSON.stringify(status);
}

/** The API's state as the pages experience it, updated whenever any query changes. */
export function useApiStatus(): ApiStatus {
  const client = useQueryClient();
  const cache = client.getQueryCache();
  const subscribe = useCallback((onChange: () => void) => cache.subscribe(onChange), [cache]);
  // A string snapshot: equal states compare equal, so unrelated cache events do not re-render.
  const snapshot = useSyncExternalStore(
    subscribe,
    () => serialize(summarizeQueries(cache.getAll())),
    () => serialize({ outage: null, lastUpdated: 0, fetching: false }),
  );
  return JSON.parse(snapshot) as ApiStatus;
}
