import { InfoIcon } from "lucide-react";

import { DeltaBadge } from "@/components/overview/delta-badge";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import type { Metric } from "@/lib/overview";

export function MetricCard({ metric, comparedWith }: { metric: Metric; comparedWith: string }) {
  return (
    <Card className="gap-1.5 py-4" data-testid={`metric-${metric.id}`}>
      <div className="flex min-w-0 items-center gap-1.5 px-4 text-sm text-muted-foreground">
        <span className="truncate">{metric.label}</span>
        <Tooltip>
          <TooltipTrigger asChild>
            <button
              type="button"
              className="shrink-0 text-muted-foreground/60 hover:text-foreground"
              aria-label={`About ${metric.label}`}
            >
              <InfoIcon className="size-3.5" />
            </button>
          </TooltipTrigger>
          <TooltipContent>{metric.help}</TooltipContent>
        </Tooltip>
      </div>
      {/* The change sits next to the figure, and wraps under it on a narrow phone. */}
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 px-4">
        <span className="text-2xl font-semibold tracking-tight tabular sm:text-[1.75rem]" data-testid="metric-value">
          {metric.value}
        </span>
        <Tooltip>
          <TooltipTrigger asChild>
            <span>
              <DeltaBadge delta={metric.delta} />
            </span>
          </TooltipTrigger>
          <TooltipContent>
            {metric.previous} in {comparedWith}
          </TooltipContent>
        </Tooltip>
      </div>
      <div className="truncate px-4 text-xs text-muted-foreground tabular" data-testid="metric-detail">
        {metric.detail}
      </div>
    </Card>
  );
}

/** A metric whose figures could not be loaded. */
export function MetricCardUnavailable({ label }: { label: string }) {
  return (
    <Card className="gap-2 py-4" data-testid="metric-unavailable">
      <div className="px-4 text-sm text-muted-foreground">{label}</div>
      <div className="px-4 text-2xl font-semibold tracking-tight text-muted-foreground/60 sm:text-[1.75rem]">—</div>
      <div className="px-4 text-xs text-muted-foreground">unavailable</div>
    </Card>
  );
}

export function MetricCardSkeleton() {
  return (
    <Card className="gap-3 py-4" data-testid="metric-skeleton">
      <div className="flex justify-between px-4">
        <Skeleton className="h-4 w-24" />
        <Skeleton className="h-4 w-12" />
      </div>
      <Skeleton className="mx-4 h-8 w-28" />
      <Skeleton className="mx-4 h-3 w-32" />
    </Card>
  );
}
