"use client";

import { MetricCard, MetricCardSkeleton, MetricCardUnavailable } from "@/components/overview/metric-card";
import type { SummaryPair } from "@/lib/api/hooks";
import { METRIC_LABELS, overviewMetrics } from "@/lib/overview";

export function MetricGrid({
  data,
  failed,
  comparedWith,
}: {
  data: SummaryPair | undefined;
  failed: boolean;
  comparedWith: string;
}) {
  return (
    <div className="grid grid-cols-2 gap-3 md:gap-4 lg:grid-cols-4">
      {data
        ? overviewMetrics(data.current, data.previous).map((metric) => (
            <MetricCard key={metric.id} metric={metric} comparedWith={comparedWith} />
          ))
        : failed
          ? METRIC_LABELS.map((label) => <MetricCardUnavailable key={label} label={label} />)
          : METRIC_LABELS.map((label) => <MetricCardSkeleton key={label} />)}
    </div>
  );
}
