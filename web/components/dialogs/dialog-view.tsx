"use client";

import { ArrowLeftIcon, MessageSquareDashedIcon, SearchXIcon } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";

import { Avatar } from "@/components/dialogs/avatar";
import { MessageBubble } from "@/components/dialogs/message-bubble";
import { EmptyState } from "@/components/empty-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import { StatsError } from "@/lib/api/errors";
import { useDialogMessages } from "@/lib/api/hooks";
import type { Dialog } from "@/lib/api/types";
import { dialogName, dialogSubtitle, groupByDay } from "@/lib/dialogs";
import { formatDateTime, formatDay, formatInteger, formatRelative, formatUsd } from "@/lib/format";
import { rangeQuery } from "@/lib/time-range";
import { useNow } from "@/lib/use-now";

export function DialogView({ chatId }: { chatId: string }) {
  const search = useSearchParams();
  const messages = useDialogMessages(chatId);
  const now = useNow(10_000);
  const pages = messages.data?.pages ?? [];
  const dialog = pages[0]?.dialog;
  const all = pages.flatMap((page) => page.items);
  const groups = groupByDay(all);
  const newestId = all[0]?.id;
  const bottom = useRef<HTMLDivElement>(null);
  const seenNewest = useRef<number | undefined>(undefined);

  // Follow the conversation: scroll to a newly arrived message if the reader was near the end.
  useEffect(() => {
    if (newestId === undefined || newestId === seenNewest.current) return;
    const first = seenNewest.current === undefined;
    seenNewest.current = newestId;
    const nearEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 400;
    if (first || nearEnd) bottom.current?.scrollIntoView({ block: "end", behavior: first ? "auto" : "smooth" });
  }, [newestId]);

  const notFound = messages.error instanceof StatsError && messages.error.kind === "not_found";
  const back = `/dialogs${rangeQuery(search)}`;

  return (
    // A chat reads best in a column, not across a wide screen.
    <div className="mx-auto max-w-4xl">
      <Button asChild variant="ghost" size="sm" className="mb-4 -ml-2 text-muted-foreground">
        <Link href={back}>
          <ArrowLeftIcon /> Dialogs
        </Link>
      </Button>
      {notFound && (
        <Card>
          <EmptyState icon={SearchXIcon} title="No such dialog">
            There is no chat {chatId}. It may have been deleted with /forget.
          </EmptyState>
        </Card>
      )}
      {!dialog && !notFound && !messages.isError && <HeaderSkeleton />}
      {!dialog && !notFound && messages.isError && (
        <Card>
          <Unavailable />
        </Card>
      )}
      {dialog && <DialogHeader dialog={dialog} now={now} />}

      <div className="mt-6 grid gap-6">
        {messages.hasNextPage && (
          <div className="flex justify-center">
            <Button variant="outline" size="sm" onClick={() => messages.fetchNextPage()} disabled={messages.isFetchingNextPage}>
              {messages.isFetchingNextPage ? "Loading…" : "Load older messages"}
            </Button>
          </div>
        )}
        {dialog && all.length === 0 && (
          <Card>
            <EmptyState icon={MessageSquareDashedIcon} title="No messages kept">
              This chat&apos;s messages were deleted; its statistics remain.
            </EmptyState>
          </Card>
        )}
        {groups.map((group) => (
          <section key={group.day} className="grid gap-4" aria-label={formatDay(group.first)}>
            <div className="sticky top-16 z-10 flex justify-center">
              <span className="rounded-full border bg-background/90 px-3 py-1 text-xs font-medium text-muted-foreground shadow-xs backdrop-blur">
                {formatDay(group.first)}
              </span>
            </div>
            {group.messages.map((message) => (
              <MessageBubble key={message.id} message={message} authorName={dialog ? dialogName(dialog) : "User"} />
            ))}
          </section>
        ))}
        <div ref={bottom} />
      </div>
    </div>
  );
}

function DialogHeader({ dialog, now }: { dialog: Dialog; now: number }) {
  const name = dialogName(dialog);
  return (
    <Card className="gap-4 px-5 py-5" data-testid="dialog-header">
      <div className="flex items-center gap-3">
        <Avatar name={name} id={dialog.chat_id} group={dialog.type !== "private"} className="size-11 text-sm" />
        <div className="min-w-0">
          <h1 className="truncate text-xl font-semibold tracking-tight">{name}</h1>
          <div className="truncate text-sm text-muted-foreground">{dialogSubtitle(dialog)}</div>
        </div>
        <div className="ml-auto hidden sm:block">
          <Badge variant="secondary">{dialog.role ?? "default role"}</Badge>
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-4 border-t pt-4 text-sm sm:grid-cols-4">
        <Stat label="User messages" value={formatInteger(dialog.messages_in)} />
        <Stat label="Answers" value={formatInteger(dialog.messages_out)} />
        <Stat label="Cost" value={formatUsd(dialog.cost_usd)} />
        <Stat
          label="Last activity"
          value={formatRelative(dialog.last_activity_at, now)}
          title={`${formatDateTime(dialog.last_activity_at)} · since ${formatDateTime(dialog.created_at)}`}
        />
      </dl>
    </Card>
  );
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div title={title}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 font-medium tabular">{value}</dd>
    </div>
  );
}

function HeaderSkeleton() {
  return (
    <Card className="gap-4 px-5 py-5">
      <div className="flex items-center gap-3">
        <Skeleton className="size-11 rounded-full" />
        <div className="grid gap-2">
          <Skeleton className="h-5 w-48" />
          <Skeleton className="h-4 w-32" />
        </div>
      </div>
      <Skeleton className="h-10 w-full" />
    </Card>
  );
}
