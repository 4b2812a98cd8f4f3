"use client";

import * as React from "react";
import { ResponsiveContainer } from "recharts";

import { cn } from "@/lib/utils";

/** Series of a chart: their labels and colours (CSS colours, usually `var(--chart-n)`). */
export type ChartConfig = Record<string, { label: string; color: string }>;

/**
 * A chart's frame in shadcn's style: exposes each series' colour as `--color-<key>` so the
 * recharts elements can use `var(--color-<key>)`, and follows the theme through CSS variables.
 */
export function ChartContainer({
  config,
  className,
  children,
  ...props
}: React.ComponentProps<"div"> & { config: ChartConfig; children: React.ReactElement }) {
  const style = Object.fromEntries(
    Object.entries(config).map(([key, { color }]) => [`--color-${cssKey(key)}`, color]),
  ) as React.CSSProperties;
  return (
    <div data-slot="chart" className={cn("h-64 w-full text-xs", className)} style={style} {...props}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0} initialDimension={{ width: 600, height: 256 }}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

/** Series keys may contain characters CSS custom property names cannot ("openai/gpt-4o"). */
export function cssKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, "_");
}

export function seriesColor(key: string): string {
  return `var(--color-${cssKey(key)})`;
}

interface TooltipEntry {
  dataKey?: unknown;
  name?: string | number;
  value?: unknown;
  color?: string;
}

/** The box recharts shows on hover: the bucket, then one line per series. */
export function ChartTooltipContent({
  active,
  payload,
  label,
  config,
  labelFormatter,
  valueFormatter = (value) => String(value),
  hideZero = false,
}: {
  active?: boolean;
  payload?: ReadonlyArray<TooltipEntry>;
  label?: string | number;
  config: ChartConfig;
  labelFormatter?: (label: string | number | undefined) => React.ReactNode;
  valueFormatter?: (value: number, key: string) => string;
  hideZero?: boolean;
}) {
  if (!active || !payload?.length) return null;
  const rows = payload.filter((entry) => typeof entry.value === "number" && (!hideZero || entry.value !== 0));
  return (
    <div className="grid min-w-40 gap-1.5 rounded-lg border bg-popover px-3 py-2 text-xs text-popover-foreground shadow-lg">
      <div className="font-medium">{labelFormatter ? labelFormatter(label) : label}</div>
      {rows.length === 0 && <div className="text-muted-foreground">Nothing in this bucket</div>}
      {rows.map((entry) => {
        const key = String(entry.dataKey ?? entry.name ?? "");
        const series = config[key];
        return (
          <div key={key} className="flex items-center gap-2">
            <span
              className="size-2.5 shrink-0 rounded-[3px]"
              style={{ background: series ? seriesColor(key) : entry.color }}
            />
            <span className="flex-1 text-muted-foreground">{series?.label ?? key}</span>
            <span className="font-mono font-medium tabular">{valueFormatter(entry.value as number, key)}</span>
          </div>
        );
      })}
    </div>
  );
}

/** A legend under the chart, as HTML (wraps on a phone, unlike recharts' SVG one). */
export function ChartLegend({
  config,
  className,
  children,
}: {
  config: ChartConfig;
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <div className={cn("flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-muted-foreground", className)}>
      {Object.entries(config).map(([key, { label, color }]) => (
        <div key={key} className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-[3px]" style={{ background: color }} />
          {label}
        </div>
      ))}
      {children}
    </div>
  );
}
