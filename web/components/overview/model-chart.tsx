"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_PROPS, timeAxis } from "@/components/charts/axes";
import { ChartContainer, ChartLegend, ChartTooltipContent, seriesColor, type ChartConfig } from "@/components/charts/chart";
import type { TimeSeries } from "@/lib/api/types";
import { formatCompact, formatInteger, shortModelName } from "@/lib/format";
import { answersByModel } from "@/lib/overview";

const PALETTE = ["var(--chart-1)", "var(--chart-3)", "var(--chart-2)", "var(--chart-4)", "var(--chart-5)"];

/** Stacked bars: which model produced the answers, bucket by bucket. */
export function ModelChart({ series }: { series: TimeSeries }) {
  const { rows, models } = answersByModel(series.points);
  const config: ChartConfig = Object.fromEntries(
    models.map((model, i) => [model, { label: shortModelName(model), color: PALETTE[i % PALETTE.length] }]),
  );
  const axis = timeAxis(series);
  return (
    <div className="grid gap-3">
      <ChartContainer config={config} className="h-56">
        <BarChart data={rows} margin={{ left: 0, right: 8, top: 8 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="start" {...AXIS_PROPS} minTickGap={32} ticks={axis.ticks} tickFormatter={axis.tickFormatter} />
          <YAxis {...AXIS_PROPS} width={40} allowDecimals={false} tickFormatter={(v: number) => formatCompact(v)} />
          <Tooltip
            cursor={{ fill: "var(--muted)", opacity: 0.6 }}
            content={(props) => (
              <ChartTooltipContent
                {...props}
                config={config}
                labelFormatter={axis.labelFormatter}
                valueFormatter={(v) => formatInteger(v)}
              />
            )}
          />
          {models.map((model, i) => (
            <Bar
              key={model}
              dataKey={model}
              stackId="answers"
              fill={seriesColor(model)}
              radius={i === models.length - 1 ? [3, 3, 0, 0] : 0}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ChartContainer>
      <ChartLegend config={config} />
    </div>
  );
}
