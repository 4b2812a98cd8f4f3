"use client";

import { ChevronLeftIcon, ChevronRightIcon, MessagesSquareIcon, SearchIcon, SearchXIcon, TextSearchIcon } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";

import { DialogsTable } from "@/components/dialogs/dialogs-table";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import { StatsError } from "@/lib/api/errors";
import { DIALOGS_PAGE_SIZE, useDialogs, useRangeSpec } from "@/lib/api/hooks";
import { parseSort, sortToParam, toggleSort, type SortKey } from "@/lib/dialogs";
import { describeRange, rangeKey, rangeQuery } from "@/lib/time-range";
import { useDebounced } from "@/lib/use-debounced";
import { useNow } from "@/lib/use-now";

export function DialogsView() {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const [q, setQ] = useState(search.get("q") ?? "");
  const [text, setText] = useState(search.get("text") ?? "");
  const debouncedQ = useDebounced(q);
  const debouncedText = useDebounced(text);
  const sort = parseSort(search.get("sort"));
  const spec = useRangeSpec();
  // Cursors of the pages before the current one; the API pages forward only.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const now = useNow(5000);

  // A cursor belongs to one sort and one range: another sends the list back to its first page.
  const listKey = `${rangeKey(spec)}|${sort.key}.${sort.direction}`;
  const [shownKey, setShownKey] = useState(listKey);
  if (shownKey !== listKey) {
    setShownKey(listKey);
    setCursors([null]);
  }

  // The search lives in the URL, so a search can be shared and survives a reload.
  useEffect(() => {
    const next = new URLSearchParams(search);
    for (const [name, value] of [["q", debouncedQ], ["text", debouncedText]] as const) {
      if (value.trim()) next.set(name, value.trim());
      else next.delete(name);
    }
    if (next.toString() !== search.toString()) router.replace(`${pathname}?${next}`, { scroll: false });
    setCursors([null]);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the settled search changes
  }, [debouncedQ, debouncedText]);

  const dialogs = useDialogs(spec, { q: debouncedQ, text: debouncedText }, sort, shownKey === listKey ? cursor : null);
  const items = dialogs.data?.items ?? [];
  const query = rangeQuery(search);

  const onSort = (key: SortKey) => {
    const next = new URLSearchParams(search);
    const param = sortToParam(toggleSort(sort, key));
    if (param) next.set("sort", param);
    else next.delete("sort");
    router.replace(`${pathname}?${next}`, { scroll: false });
  };

  const searching = Boolean(debouncedQ.trim() || debouncedText.trim());
  const invalid = dialogs.error instanceof StatsError && dialogs.error.kind === "invalid" ? dialogs.error.message : null;

  return (
    <>
      <PageHeader title="Dialogs" description={`Chats where a user wrote · ${describeRange(spec)}`} />
      <Card className="gap-0 py-0">
        <div className="flex flex-col gap-2 border-b p-3 sm:flex-row">
          <div className="relative flex-1">
            <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
            <Input
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Name, @username, group or id"
              aria-label="Search dialogs by name, username, group title or id"
              className="pl-9"
              maxLength={100}
            />
          </div>
          <div className="relative flex-1">
            <TextSearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
            <Input
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="Text in a message"
              aria-label="Search dialogs by message text"
              className="pl-9"
              maxLength={200}
            />
          </div>
        </div>

        {invalid && <p className="px-5 py-3 text-sm text-destructive">{invalid}</p>}
        {!dialogs.data && !dialogs.error && <TableSkeleton />}
        {!dialogs.data && dialogs.error && !invalid && <Unavailable />}
        {dialogs.data && items.length === 0 && (
          searching ? (
            <EmptyState icon={SearchXIcon} title="No dialog matches">
              Try part of a name, a @username without the @, or a chat id.
            </EmptyState>
          ) : (
            <EmptyState icon={MessagesSquareIcon} title="No dialogs in this range">
              A chat appears here once a user writes in it; try a longer range.
            </EmptyState>
          )
        )}
        {items.length > 0 && (
          <div className={dialogs.isPlaceholderData ? "opacity-60 transition-opacity" : undefined}>
            <DialogsTable
              dialogs={items}
              sort={sort}
              onSort={onSort}
              now={now}
              hrefFor={(dialog) => `/dialogs/${dialog.chat_id}${query}`}
            />
          </div>
        )}

        <div className="flex items-center justify-between gap-2 border-t px-5 py-3 text-sm text-muted-foreground">
          <span>Page {cursors.length}</span>
          <div className="flex gap-2">
            <Button
              variant="outline"
              size="sm"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((stack) => stack.slice(0, -1))}
            >
              <ChevronLeftIcon /> Previous
            </Button>
            <Button
              variant="outline"
              size="sm"
              disabled={!dialogs.data?.next_cursor || dialogs.isPlaceholderData}
              onClick={() => {
                const next = dialogs.data?.next_cursor;
                if (next) setCursors((stack) => [...stack, next]);
              }}
            >
              Next <ChevronRightIcon />
            </Button>
          </div>
        </div>
      </Card>
    </>
  );
}

function TableSkeleton() {
  return (
    <div className="grid gap-3 p-5" data-testid="table-skeleton">
      {Array.from({ length: Math.min(DIALOGS_PAGE_SIZE, 8) }, (_, i) => (
        <div key={i} className="flex items-center gap-3">
          <Skeleton className="size-8 rounded-full" />
          <Skeleton className="h-4 flex-1" />
          <Skeleton className="h-4 w-16" />
          <Skeleton className="h-4 w-20" />
        </div>
      ))}
    </div>
  );
}
