"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useMemo } from "react";

import { fetchStats } from "@/lib/api/client";
import type { DialogMessages, DialogPage, ModelsReport, Summary, TimeSeries, TopUsers } from "@/lib/api/types";
import type { Sort } from "@/lib/dialogs";
import { chooseBucket, parseRange, previousWindow, rangeKey, resolveRange, type RangeSpec } from "@/lib/time-range";

/** The range in the URL; every page reads it from here. */
export function useRangeSpec(): RangeSpec {
  const search = useSearchParams();
  const key = search.toString();
  // eslint-disable-next-line react-hooks/exhaustive-deps -- parse once per distinct query string
  return useMemo(() => parseRange(search), [key]);
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function windowParams(from: Date, to: Date) {
  return { from: from.toISOString(), to: to.toISOString() };
}

export interface SummaryPair {
  current: Summary;
  previous: Summary;
}

/**
 * The summary of the range and of the period just before it (for the deltas). A preset's
 * window is computed when the request is made, so every refresh moves it to "now".
 */
export function useSummaryPair(spec: RangeSpec) {
  return useQuery({
    queryKey: ["summary-pair", rangeKey(spec)],
    queryFn: async ({ signal }): Promise<SummaryPair> => {
      const window = resolveRange(spec, Date.now());
      const before = previousWindow(window);
      const [current, previous] = await Promise.all([
        fetchStats<Summary>("summary", windowParams(window.from, window.to), signal),
        fetchStats<Summary>("summary", windowParams(before.from, before.to), signal),
      ]);
      return { current, previous };
    },
    placeholderData: keepPreviousData,
  });
}

export function useTimeSeries(spec: RangeSpec) {
  return useQuery({
    queryKey: ["timeseries", rangeKey(spec)],
    queryFn: ({ signal }) => {
      const window = resolveRange(spec, Date.now());
      return fetchStats<TimeSeries>(
        "timeseries",
        { ...windowParams(window.from, window.to), bucket: chooseBucket(window), tz: browserTimeZone() },
        signal,
      );
    },
    placeholderData: keepPreviousData,
  });
}

export function useModels(spec: RangeSpec, events = 20) {
  return useQuery({
    queryKey: ["models", rangeKey(spec), events],
    queryFn: ({ signal }) => {
      const window = resolveRange(spec, Date.now());
      return fetchStats<ModelsReport>("models", { ...windowParams(window.from, window.to), events }, signal);
    },
    placeholderData: keepPreviousData,
  });
}

export function useTopUsers(spec: RangeSpec, limit = 10) {
  return useQuery({
    queryKey: ["users-top", rangeKey(spec), limit],
    queryFn: ({ signal }) => {
      const window = resolveRange(spec, Date.now());
      return fetchStats<TopUsers>("users/top", { ...windowParams(window.from, window.to), limit }, signal);
    },
    placeholderData: keepPreviousData,
  });
}

export const DIALOGS_PAGE_SIZE = 25;

/**
 * A page of the dialogs where a user wrote in the range, sorted by the stats API (the whole list,
 * not the page), searched by name or id and by message text.
 */
export function useDialogs(spec: RangeSpec, search: { q: string; text: string }, sort: Sort, cursor: string | null) {
  return useQuery({
    queryKey: ["dialogs", rangeKey(spec), search.q, search.text, sort.key, sort.direction, cursor],
    queryFn: ({ signal }) => {
      const window = resolveRange(spec, Date.now());
      return fetchStats<DialogPage>(
        "dialogs",
        {
          ...windowParams(window.from, window.to),
          limit: DIALOGS_PAGE_SIZE,
          q: search.q.trim(),
          text: search.text.trim(),
          sort: sort.key,
          order: sort.direction,
          cursor: cursor ?? undefined,
        },
        signal,
      );
    },
    placeholderData: keepPreviousData,
  });
}

export const MESSAGES_PAGE_SIZE = 50;

/** A dialog's messages, newest first, one page at a time going back in time. */
export function useDialogMessages(chatId: string) {
  return useInfiniteQuery({
    queryKey: ["dialog-messages", chatId],
    queryFn: ({ pageParam, signal }) =>
      fetchStats<DialogMessages>(
        `dialogs/${encodeURIComponent(chatId)}/messages`,
        { limit: MESSAGES_PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}
