"use client";

import { Bar, BarChart, CartesianGrid, ReferenceArea, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_PROPS } from "@/components/charts/axes";
import { ChartContainer, ChartLegend, ChartTooltipContent, seriesColor, type ChartConfig } from "@/components/charts/chart";
import type { Incident, TimeSeries } from "@/lib/api/types";
import { dayTicks, timeTicks } from "@/lib/chart-ticks";
import { formatBucketLabel, formatBucketTick, formatCompact, formatDateTime, formatDuration, formatInteger } from "@/lib/format";
import { incidentAreas } from "@/lib/overview";

const config: ChartConfig = {
  failovers: { label: "Answered by fallback", color: "var(--chart-3)" },
  calls_failed: { label: "Failed requests", color: "var(--chart-5)" },
};

/**
 * Failovers and failures per bucket, with the both-down incidents shaded behind them. The x axis
 * is real time (not categories) so an incident is drawn exactly where it began and ended.
 */
export function FailoverChart({ series, incidents, now }: { series: TimeSeries; incidents: Incident[]; now: number }) {
  const from = Date.parse(series.range.from);
  const to = Date.parse(series.range.to);
  const rows = series.points.map((p) => {
    const start = Date.parse(p.start);
    const end = Date.parse(p.end);
    return { t: (start + end) / 2, start: p.start, end: p.end, failovers: p.failovers, calls_failed: p.calls_failed };
  });
  const byT = new Map(rows.map((row) => [row.t, row]));
  const areas = incidentAreas(incidents, from, to, now);
  const multiDay = dayTicks(series.points, series.bucket, series.tz) !== undefined;
  const ticks = timeTicks(series.points, series.bucket, series.tz).map((start) => Date.parse(start));
  return (
    <div className="grid gap-3">
      <ChartContainer config={config} className="h-56">
        <BarChart data={rows} margin={{ left: 0, right: 8, top: 8 }} barGap={1}>
          <CartesianGrid vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[from, to]}
            ticks={ticks}
            {...AXIS_PROPS}
            tickFormatter={(t: number) => formatBucketTick(new Date(t), multiDay ? "day" : series.bucket, series.tz)}
          />
          <YAxis {...AXIS_PROPS} width={40} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} />
          {areas.map((area) => (
            <ReferenceArea
              key={area.incident.started_at}
              x1={area.x1}
              x2={area.x2}
              fill="var(--destructive)"
              fillOpacity={0.16}
              stroke="var(--destructive)"
              strokeOpacity={0.4}
            />
          ))}
          <Tooltip
            cursor={{ fill: "var(--muted)", opacity: 0.6 }}
            content={(props) => (
              <ChartTooltipContent
                {...props}
                config={config}
                labelFormatter={(label) => {
                  const row = byT.get(Number(label));
                  return row ? formatBucketLabel(row.start, row.end, series.bucket, series.tz) : "";
                }}
                valueFormatter={(v) => formatInteger(v)}
              />
            )}
          />
          <Bar dataKey="failovers" fill={seriesColor("failovers")} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="calls_failed" fill={seriesColor("calls_failed")} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ChartContainer>
      <ChartLegend config={config}>
        <div className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-[3px] border border-destructive/40 bg-destructive/15" />
          Both models down
        </div>
      </ChartLegend>
      {areas.length > 0 && (
        <ul className="flex flex-wrap gap-2" aria-label="Incidents">
          {areas.slice(0, 6).map(({ incident }) => (
            <li
              key={incident.started_at}
              data-testid="incident-chip"
              className="rounded-md border border-destructive/30 bg-destructive/5 px-2 py-1 text-xs text-destructive tabular"
            >
              {formatDateTime(incident.started_at, series.tz)} ·{" "}
              {incident.duration_seconds != null ? formatDuration(incident.duration_seconds) : "ongoing"}
            </li>
          ))}
          {areas.length > 6 && <li className="px-1 py-1 text-xs text-muted-foreground">and {areas.length - 6} more</li>}
        </ul>
      )}
    </div>
  );
}
