/** Dialog list and dialog view logic: names, the sort in the URL, grouping. Pure, so it is unit-tested. */

import type { Dialog, DialogMessage } from "@/lib/api/types";
import { formatUserName } from "@/lib/format";

/** A group's title, or the private chat's user, or the chat id. */
export function dialogName(dialog: Dialog): string {
  if (dialog.title) return dialog.title;
  if (dialog.user) return formatUserName({ ...dialog.user, username: null });
  return `chat ${dialog.chat_id}`;
}

/** A second line: "@username · id 42" or "supergroup · id -100…". */
export function dialogSubtitle(dialog: Dialog): string {
  const parts: string[] = [];
  if (dialog.user?.username) parts.push(`@${dialog.user.username}`);
  if (dialog.type !== "private") parts.push(dialog.type);
  parts.push(`id ${dialog.chat_id}`);
  return parts.join(" · ");
}

/** One or two letters for the avatar. */
export function initials(name: string): string {
  const words = name.replace(/[^\p{L}\p{N}\s]/gu, " ").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return words[0].slice(0, 2).toUpperCase();
  return (words[0][0] + words[1][0]).toUpperCase();
}

/** The orders the stats API sorts the whole list in (each with a keyset cursor of its own). */
export type SortKey = "activity" | "messages" | "cost";
export type SortDirection = "asc" | "desc";

export interface Sort {
  key: SortKey;
  direction: SortDirection;
}

export const DEFAULT_SORT: Sort = { key: "activity", direction: "desc" };

export function parseSort(value: string | null): Sort {
  if (!value) return DEFAULT_SORT;
  const [key, direction] = value.split(".");
  if (!["activity", "messages", "cost"].includes(key)) return DEFAULT_SORT;
  return { key: key as SortKey, direction: direction === "asc" ? "asc" : "desc" };
}

export function sortToParam(sort: Sort): string | null {
  return sort.key === DEFAULT_SORT.key && sort.direction === DEFAULT_SORT.direction ? null : `${sort.key}.${sort.direction}`;
}

/** Clicking a column: sort by it, largest (or newest) first, or flip it if it already sorts. */
export function toggleSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, direction: current.direction === "asc" ? "desc" : "asc" };
  return { key, direction: "desc" };
}

export interface DayGroup {
  day: string; // a key: the local date
  first: string; // ISO time of the day's first message, for the heading
  messages: DialogMessage[];
}

/** Messages oldest first, grouped by local day, from the API's newest-first pages. */
export function groupByDay(newestFirst: DialogMessage[], timeZone?: string): DayGroup[] {
  const dayKey = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone });
  const seen = new Set<number>();
  const groups: DayGroup[] = [];
  for (const message of [...newestFirst].reverse()) {
    if (seen.has(message.id)) continue; // pages can overlap while new messages arrive
    seen.add(message.id);
    const day = dayKey.format(new Date(message.created_at));
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.messages.push(message);
    else groups.push({ day, first: message.created_at, messages: [message] });
  }
  return groups;
}
