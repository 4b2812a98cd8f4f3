"use client";

import { useRefreshMs } from "@/components/providers";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useApiStatus } from "@/lib/api/status";
import { formatRelative } from "@/lib/format";
import { cn } from "@/lib/utils";
import { useNow, usePageVisible } from "@/lib/use-now";

type LiveState = "live" | "paused" | "offline" | "connecting";

export function liveState(visible: boolean, hasOutage: boolean, lastUpdated: number): LiveState {
  if (hasOutage) return "offline";
  if (!visible) return "paused";
  return lastUpdated > 0 ? "live" : "connecting";
}

const LABELS: Record<LiveState, string> = {
  live: "Live",
  paused: "Paused",
  offline: "Offline",
  connecting: "Connecting",
};

/** A dot and a word saying whether the figures on screen are fresh. */
export function LiveIndicator() {
  const status = useApiStatus();
  const visible = usePageVisible();
  const now = useNow();
  const refreshMs = useRefreshMs();
  const state = liveState(visible, status.outage !== null, status.lastUpdated);
  const updated = status.lastUpdated ? formatRelative(new Date(status.lastUpdated), now) : "not yet";
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <div
          className="flex h-8 items-center gap-2 rounded-full border bg-card px-3 text-xs font-medium"
          data-testid="live-indicator"
          data-state={state}
        >
          <span className="relative flex size-2">
            {state === "live" && (
              <span className="absolute inline-flex size-full animate-ping rounded-full bg-success opacity-60" />
            )}
            <span
              className={cn(
                "relative inline-flex size-2 rounded-full",
                state === "live" && "bg-success",
                state === "paused" && "bg-muted-foreground",
                state === "offline" && "bg-destructive",
                state === "connecting" && "bg-warning",
              )}
            />
          </span>
          <span>{LABELS[state]}</span>
          {status.lastUpdated > 0 && <span className="hidden text-muted-foreground tabular sm:inline">· {updated}</span>}
        </div>
      </TooltipTrigger>
      <TooltipContent>
        {state === "paused"
          ? "Refreshing pauses while this tab is hidden."
          : `Figures refresh every ${Math.round(refreshMs / 100) / 10} s. Last update: ${updated}.`}
      </TooltipContent>
    </Tooltip>
  );
}
