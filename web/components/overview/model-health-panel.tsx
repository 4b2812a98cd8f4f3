"use client";

import { ActivityIcon } from "lucide-react";

import { BreakerStateBadge } from "@/components/models/breaker-state";
import { EmptyState } from "@/components/empty-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import type { ModelsReport } from "@/lib/api/types";
import { formatDateTime, formatInteger, formatPercent, formatRelative, humanize } from "@/lib/format";

/** Live breaker state of every model: what answers right now, since when, and why it changed. */
export function ModelHealthPanel({
  report,
  failed,
  now,
}: {
  report: ModelsReport | undefined;
  failed: boolean;
  now: number;
}) {
  return (
    <Card className="min-w-0" data-testid="model-health">
      <CardHeader>
        <CardTitle className="flex items-center gap-2 text-base">Model health</CardTitle>
        <CardDescription>Breaker state now; failures in the range</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        {!report && failed && <Unavailable />}
        {!report && !failed && [0, 1].map((i) => <Skeleton key={i} className="h-20 w-full" />)}
        {report && report.models.length === 0 && (
          <EmptyState icon={ActivityIcon} title="No models yet">
            Models appear once the bot makes its first request.
          </EmptyState>
        )}
        {report?.models.map((model) => (
          <div key={model.model} className="rounded-lg border p-3" data-testid="model-health-row" data-model={model.model}>
            <div className="flex items-start justify-between gap-2">
              <div className="min-w-0">
                <div className="truncate text-sm font-medium" title={model.model}>
                  {model.model}
                </div>
                <div className="mt-1 flex items-center gap-1.5">
                  {model.configured_as && (
                    <Badge variant="secondary" className="capitalize">
                      {model.configured_as}
                    </Badge>
                  )}
                  <span className="text-xs text-muted-foreground tabular">
                    {formatInteger(model.calls)} requests · {formatPercent(model.failure_rate)} failed
                  </span>
                </div>
              </div>
              <BreakerStateBadge state={model.state} />
            </div>
            <div className="mt-2 grid gap-0.5 text-xs text-muted-foreground">
              {model.state_since ? (
                <span title={formatDateTime(model.state_since)}>
                  Since {formatRelative(model.state_since, now)}
                  {model.last_reason && <> · {humanize(model.last_reason)}</>}
                </span>
              ) : (
                <span>Never tripped</span>
              )}
              <span data-testid="last-failure">
                {model.last_failure ? (
                  <>
                    Last error: <span className="font-medium text-foreground">{humanize(model.last_failure.outcome)}</span>{" "}
                    <span title={formatDateTime(model.last_failure.at)}>{formatRelative(model.last_failure.at, now)}</span>
                  </>
                ) : (
                  "No failed request yet"
                )}
              </span>
            </div>
          </div>
        ))}
      </CardContent>
    </Card>
  );
}
