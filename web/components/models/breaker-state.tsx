import { cn } from "@/lib/utils";

export type State = "closed" | "open" | "half_open";

export const STATE_LABELS: Record<State, string> = {
  closed: "Healthy",
  half_open: "Probing",
  open: "Open",
};

export const STATE_HELP: Record<State, string> = {
  closed: "Breaker closed: requests go to this model.",
  half_open: "Breaker half-open: one probe request is testing whether the model recovered.",
  open: "Breaker open: the model is skipped until its wait is over.",
};

/** The colour of a breaker state, for dots, bars and badges. */
export function stateColor(state: State | "unknown"): string {
  switch (state) {
    case "closed":
      return "var(--success)";
    case "half_open":
      return "var(--warning)";
    case "open":
      return "var(--destructive)";
    default:
      return "var(--muted)";
  }
}

export function BreakerStateBadge({ state, className }: { state: State; className?: string }) {
  return (
    <span
      data-testid="breaker-state"
      data-state={state}
      title={STATE_HELP[state]}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs font-medium",
        state === "closed" && "border-success/30 bg-success/10 text-success",
        state === "half_open" && "border-warning/40 bg-warning/12 text-warning-foreground",
        state === "open" && "border-destructive/30 bg-destructive/10 text-destructive",
        className,
      )}
    >
      <span className="size-1.5 rounded-full" style={{ background: stateColor(state) }} />
      {STATE_LABELS[state]}
    </span>
  );
}
