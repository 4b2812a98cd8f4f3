"use client";

import { useSearchParams } from "next/navigation";

import { PageHeader } from "@/components/page-header";
import { TopUsersTable } from "@/components/users/top-users-table";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import { useRangeSpec, useTopUsers } from "@/lib/api/hooks";
import { describeRange, rangeQuery } from "@/lib/time-range";

const LIMIT = 15;

export function UsersView() {
  const spec = useRangeSpec();
  const search = useSearchParams();
  const top = useTopUsers(spec, LIMIT);
  const query = rangeQuery(search);
  return (
    <>
      <PageHeader title="Users" description={`Who writes most and who costs most · ${describeRange(spec)}`} />
      <div className="grid gap-6 xl:grid-cols-2">
        <Card className="gap-3">
          <CardHeader>
            <CardTitle className="text-base">Top users by messages</CardTitle>
            <CardDescription>Messages they sent in the range</CardDescription>
          </CardHeader>
          <CardContent className="px-0">
            {top.data ? (
              <TopUsersTable users={top.data.by_messages} measure="messages" rangeQuery={query} testId="top-by-messages" />
            ) : top.isError ? (
              <Unavailable />
            ) : (
              <ListSkeleton />
            )}
          </CardContent>
        </Card>
        <Card className="gap-3">
          <CardHeader>
            <CardTitle className="text-base">Top users by cost</CardTitle>
            <CardDescription>What the models charged for their answers</CardDescription>
          </CardHeader>
          <CardContent className="px-0">
            {top.data ? (
              <TopUsersTable users={top.data.by_cost} measure="cost" rangeQuery={query} testId="top-by-cost" />
            ) : top.isError ? (
              <Unavailable />
            ) : (
              <ListSkeleton />
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}

function ListSkeleton() {
  return (
    <div className="grid gap-3 px-5">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="flex items-center gap-3">
          <Skeleton className="size-7 rounded-full" />
          <Skeleton className="h-4 flex-1" />
          <Skeleton className="h-4 w-14" />
        </div>
      ))}
    </div>
  );
}
