import { UsersIcon } from "lucide-react";
import Link from "next/link";

import { Avatar } from "@/components/dialogs/avatar";
import { EmptyState } from "@/components/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { UserUsage } from "@/lib/api/types";
import { formatCompact, formatInteger, formatUsd, formatUserName } from "@/lib/format";

/** A ranked list of users, with a bar showing each one's share of the leader's figure. */
export function TopUsersTable({
  users,
  measure,
  rangeQuery,
  testId,
}: {
  users: UserUsage[];
  measure: "messages" | "cost";
  rangeQuery: string;
  testId: string;
}) {
  if (users.length === 0) {
    return (
      <EmptyState icon={UsersIcon} title="Nobody in this range">
        Users appear once they write to the bot.
      </EmptyState>
    );
  }
  const value = (u: UserUsage) => (measure === "messages" ? u.messages_in : u.cost_usd);
  const top = Math.max(...users.map(value), Number.EPSILON);
  return (
    <Table data-testid={testId}>
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="w-8 pl-5">#</TableHead>
          <TableHead>User</TableHead>
          <TableHead className="text-right">{measure === "messages" ? "Messages" : "Cost"}</TableHead>
          <TableHead className="hidden text-right sm:table-cell">{measure === "messages" ? "Cost" : "Messages"}</TableHead>
          <TableHead className="hidden pr-5 text-right md:table-cell">Tokens</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {users.map((usage, index) => {
          const name = formatUserName({ ...usage.user, username: null });
          return (
            <TableRow key={usage.user.id} data-testid="top-user" data-user-id={usage.user.id}>
              <TableCell className="pl-5 text-muted-foreground tabular">{index + 1}</TableCell>
              <TableCell>
                <div className="flex items-center gap-3">
                  <Avatar name={name} id={usage.user.id} className="size-7 text-[11px]" />
                  <div className="min-w-0">
                    {/* A private chat's id is its user's id: the user's dialog is one click away. */}
                    <Link href={`/dialogs/${usage.user.id}${rangeQuery}`} className="block max-w-[11rem] truncate font-medium hover:underline sm:max-w-[14rem]">
                      {name}
                    </Link>
                    <div className="max-w-[11rem] truncate text-xs text-muted-foreground sm:max-w-[14rem]">
                      {usage.user.username ? `@${usage.user.username}` : `id ${usage.user.id}`}
                    </div>
                  </div>
                </div>
              </TableCell>
              <TableCell className="text-right">
                <div className="flex flex-col items-end gap-1">
                  <span className="font-medium tabular" data-testid="top-user-value">
                    {measure === "messages" ? formatInteger(usage.messages_in) : formatUsd(usage.cost_usd)}
                  </span>
                  <div className="h-1 w-16 overflow-hidden rounded-full bg-muted">
                    <div
                      className={measure === "messages" ? "h-full bg-chart-1" : "h-full bg-chart-3"}
                      style={{ width: `${(value(usage) / top) * 100}%` }}
                    />
                  </div>
                </div>
              </TableCell>
              <TableCell className="hidden text-right text-muted-foreground tabular sm:table-cell">
                {measure === "messages" ? formatUsd(usage.cost_usd) : formatInteger(usage.messages_in)}
              </TableCell>
              <TableCell className="hidden pr-5 text-right text-muted-foreground tabular md:table-cell">
                {formatCompact(usage.tokens)}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
