"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";

import { Avatar } from "@/components/dialogs/avatar";
import { SortHeader } from "@/components/dialogs/sort-header";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { Dialog } from "@/lib/api/types";
import { dialogName, dialogSubtitle, type Sort, type SortKey } from "@/lib/dialogs";
import { formatDateTime, formatInteger, formatRelative, formatUsd } from "@/lib/format";

export function DialogsTable({
  dialogs,
  sort,
  onSort,
  now,
  hrefFor,
}: {
  dialogs: Dialog[];
  sort: Sort;
  onSort: (key: SortKey) => void;
  now: number;
  hrefFor: (dialog: Dialog) => string;
}) {
  const router = useRouter();
  return (
    <Table>
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-3 sm:pl-5">Dialog</TableHead>
          <TableHead className="hidden md:table-cell">Role</TableHead>
          {/* A phone keeps the name and the recency; the figures need a wider screen. */}
          <SortHeader label="Messages" sortKey="messages" sort={sort} onSort={onSort} className="hidden text-right sm:table-cell" />
          <SortHeader label="Cost" sortKey="cost" sort={sort} onSort={onSort} className="hidden text-right sm:table-cell" />
          <SortHeader label="Last activity" sortKey="activity" sort={sort} onSort={onSort} className="pr-3 text-right sm:pr-5" />
        </TableRow>
      </TableHeader>
      <TableBody>
        {dialogs.map((dialog) => {
          const name = dialogName(dialog);
          const href = hrefFor(dialog);
          return (
            <TableRow
              key={dialog.chat_id}
              data-testid="dialog-row"
              data-chat-id={dialog.chat_id}
              className="cursor-pointer"
              onClick={(event) => {
                // The name is a real link (middle-click, keyboard); the rest of the row helps the mouse.
                if (!(event.target as HTMLElement).closest("a")) router.push(href);
              }}
            >
              <TableCell className="pl-3 sm:pl-5">
                <div className="flex items-center gap-3">
                  <Avatar name={name} id={dialog.chat_id} group={dialog.type !== "private"} />
                  <div className="min-w-0">
                    <Link href={href} className="block max-w-[11rem] truncate font-medium hover:underline sm:max-w-xs">
                      {name}
                    </Link>
                    <div className="max-w-[11rem] truncate text-xs text-muted-foreground sm:max-w-xs">
                      {dialogSubtitle(dialog)}
                    </div>
                  </div>
                </div>
              </TableCell>
              <TableCell className="hidden md:table-cell">
                {dialog.role ? <Badge variant="secondary">{dialog.role}</Badge> : <span className="text-muted-foreground">default</span>}
              </TableCell>
              <TableCell className="hidden text-right tabular sm:table-cell">
                {formatInteger(dialog.messages_in)}
                <span className="text-muted-foreground"> / {formatInteger(dialog.messages_out)}</span>
              </TableCell>
              <TableCell className="hidden text-right tabular sm:table-cell">{formatUsd(dialog.cost_usd)}</TableCell>
              <TableCell className="pr-3 text-right text-muted-foreground tabular sm:pr-5" title={formatDateTime(dialog.last_activity_at)}>
                {formatRelative(dialog.last_activity_at, now)}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
