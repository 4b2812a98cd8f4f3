import { ArrowDownRightIcon, ArrowUpRightIcon, MinusIcon } from "lucide-react";

import { formatDelta, type Delta } from "@/lib/delta";
import { cn } from "@/lib/utils";

/** "+12%" in green when the change is good news, red when bad, grey when it is neither. */
export function DeltaBadge({ delta, className }: { delta: Delta; className?: string }) {
  if (delta.kind === "none") return null;
  const Icon = delta.direction === "up" ? ArrowUpRightIcon : delta.direction === "down" ? ArrowDownRightIcon : MinusIcon;
  return (
    <span
      data-testid="delta"
      data-tone={delta.tone}
      className={cn(
        "inline-flex items-center gap-0.5 rounded-md px-1.5 py-0.5 text-xs font-medium tabular",
        className,
        delta.tone === "good" && "bg-success/12 text-success",
        delta.tone === "bad" && "bg-destructive/10 text-destructive",
        delta.tone === "neutral" && "bg-muted text-muted-foreground",
      )}
    >
      <Icon className="size-3" aria-hidden />
      {formatDelta(delta)}
    </span>
  );
}
