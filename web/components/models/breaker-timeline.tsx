import { STATE_LABELS, stateColor } from "@/components/models/breaker-state";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { formatDateTime, formatDuration } from "@/lib/format";
import type { Segment } from "@/lib/models";

/** A horizontal strip across the range, coloured by breaker state, one hover card per segment. */
export function BreakerTimeline({ segments, from, to }: { segments: Segment[]; from: number; to: number }) {
  const span = Math.max(1, to - from);
  return (
    <div className="grid gap-1.5">
      <div className="flex h-6 w-full overflow-hidden rounded-md bg-muted" data-testid="breaker-timeline">
        {segments.map((segment) => {
          const width = ((segment.to - segment.from) / span) * 100;
          return (
            <Tooltip key={segment.from}>
              <TooltipTrigger asChild>
                <div
                  data-state={segment.state}
                  className="h-full min-w-[2px] border-r border-background/40 last:border-r-0 hover:opacity-80"
                  style={{
                    width: `${width}%`,
                    background: segment.state === "unknown" ? undefined : stateColor(segment.state),
                    opacity: segment.state === "closed" ? 0.55 : 1,
                  }}
                />
              </TooltipTrigger>
              <TooltipContent>
                <div className="font-medium">
                  {segment.state === "unknown" ? "Unknown (older events not listed)" : STATE_LABELS[segment.state]}
                </div>
                <div className="tabular">
                  {formatDateTime(new Date(segment.from))} – {formatDateTime(new Date(segment.to))} ·{" "}
                  {formatDuration((segment.to - segment.from) / 1000)}
                </div>
              </TooltipContent>
            </Tooltip>
          );
        })}
      </div>
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 text-[11px] text-muted-foreground tabular">
        <span>{formatDateTime(new Date(from))}</span>
        <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
          {(["closed", "half_open", "open"] as const).map((state) => (
            <span key={state} className="flex items-center gap-1">
              <span
                className="size-2 rounded-[2px]"
                style={{ background: stateColor(state), opacity: state === "closed" ? 0.55 : 1 }}
              />
              {STATE_LABELS[state]}
            </span>
          ))}
        </span>
        <span>{formatDateTime(new Date(to))}</span>
      </div>
    </div>
  );
}
