import type { SeriesPoint, TimeSeries } from "@/lib/api/types";
import { dayTicks } from "@/lib/chart-ticks";
import { formatBucketLabel, formatBucketTick } from "@/lib/format";

/** Shared x-axis behaviour of the time charts: ticks and tooltip titles in local time. */
export function timeAxis(series: Pick<TimeSeries, "bucket" | "tz" | "points">) {
  const ends = new Map(series.points.map((p: SeriesPoint) => [p.start, p.end]));
  const ticks = dayTicks(series.points, series.bucket, series.tz);
  return {
    // Multi-day hourly charts get one tick per midnight, labelled with the date.
    ticks,
    tickFormatter: (value: string) => formatBucketTick(value, ticks ? "day" : series.bucket, series.tz),
    labelFormatter: (label: string | number | undefined) => {
      const start = String(label ?? "");
      const end = ends.get(start);
      return end ? formatBucketLabel(start, end, series.bucket, series.tz) : start;
    },
  };
}

export const AXIS_PROPS = {
  tickLine: false,
  axisLine: false,
  tickMargin: 8,
} as const;
