"use client";

import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_PROPS, timeAxis } from "@/components/charts/axes";
import { ChartContainer, ChartLegend, ChartTooltipContent, seriesColor, type ChartConfig } from "@/components/charts/chart";
import type { TimeSeries } from "@/lib/api/types";
import { latencyTicks } from "@/lib/chart-ticks";
import { formatMs, formatMsShort } from "@/lib/format";

const config: ChartConfig = {
  latency_mean_ms: { label: "Average", color: "var(--chart-2)" },
  latency_p50_ms: { label: "Median", color: "var(--chart-1)" },
  latency_p95_ms: { label: "p95", color: "var(--chart-5)" },
};

export function LatencyChart({ series }: { series: TimeSeries }) {
  const axis = timeAxis(series);
  const highest = Math.max(
    0,
    ...series.points.map((p) => Math.max(p.latency_p95_ms ?? 0, p.latency_mean_ms ?? 0, p.latency_p50_ms ?? 0)),
  );
  const ticks = latencyTicks(highest);
  return (
    <div className="grid gap-3">
      <ChartContainer config={config} className="h-56">
        <LineChart data={series.points} margin={{ left: 0, right: 8, top: 8 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="start" {...AXIS_PROPS} minTickGap={32} ticks={axis.ticks} tickFormatter={axis.tickFormatter} />
          <YAxis
            {...AXIS_PROPS}
            width={44}
            ticks={ticks}
            domain={[0, ticks[ticks.length - 1]]}
            tickFormatter={(v: number) => formatMsShort(v)}
          />
          <Tooltip
            cursor={{ stroke: "var(--border)" }}
            content={(props) => (
              <ChartTooltipContent
                {...props}
                config={config}
                labelFormatter={axis.labelFormatter}
                valueFormatter={(v) => formatMs(v)}
              />
            )}
          />
          {Object.keys(config).map((key) => (
            <Line
              key={key}
              dataKey={key}
              type="monotone"
              stroke={seriesColor(key)}
              strokeWidth={2}
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ChartContainer>
      <ChartLegend config={config} />
    </div>
  );
}
