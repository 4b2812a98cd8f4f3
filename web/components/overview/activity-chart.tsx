"use client";

import { Area, AreaChart, CartesianGrid, Line, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_PROPS, timeAxis } from "@/components/charts/axes";
import { ChartContainer, ChartLegend, ChartTooltipContent, seriesColor, type ChartConfig } from "@/components/charts/chart";
import type { TimeSeries } from "@/lib/api/types";
import { formatCompact, formatInteger } from "@/lib/format";

const config: ChartConfig = {
  messages_in: { label: "User messages", color: "var(--chart-1)" },
  messages_out: { label: "Answers", color: "var(--chart-2)" },
  active_users: { label: "Active users", color: "var(--chart-4)" },
};

export function ActivityChart({ series }: { series: TimeSeries }) {
  const axis = timeAxis(series);
  return (
    <div className="grid gap-3">
      <ChartContainer config={config} className="h-64 sm:h-72">
        <AreaChart data={series.points} margin={{ left: 0, right: 8, top: 8 }}>
          <defs>
            <linearGradient id="fill-messages_in" x1="0" y1="0" x2="0" y2="1">
              <stop offset="5%" stopColor={seriesColor("messages_in")} stopOpacity={0.35} />
              <stop offset="95%" stopColor={seriesColor("messages_in")} stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="start" {...AXIS_PROPS} minTickGap={32} ticks={axis.ticks} tickFormatter={axis.tickFormatter} />
          <YAxis {...AXIS_PROPS} width={40} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} />
          <Tooltip
            cursor={{ stroke: "var(--border)" }}
            content={(props) => (
              <ChartTooltipContent
                {...props}
                config={config}
                labelFormatter={axis.labelFormatter}
                valueFormatter={(v) => formatInteger(v)}
              />
            )}
          />
          <Area
            dataKey="messages_in"
            type="monotone"
            stroke={seriesColor("messages_in")}
            fill="url(#fill-messages_in)"
            strokeWidth={2}
            isAnimationActive={false}
          />
          {/* Answers track messages closely: a line over the area keeps both readable. */}
          <Line
            dataKey="messages_out"
            type="monotone"
            stroke={seriesColor("messages_out")}
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="active_users"
            type="monotone"
            stroke={seriesColor("active_users")}
            strokeWidth={1.5}
            strokeDasharray="4 3"
            dot={false}
            isAnimationActive={false}
          />
        </AreaChart>
      </ChartContainer>
      <ChartLegend config={config} />
    </div>
  );
}
