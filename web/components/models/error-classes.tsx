import { CircleCheckIcon } from "lucide-react";

import { formatInteger, formatPercent, humanize } from "@/lib/format";
import type { ErrorClass } from "@/lib/models";

/** Failures by class as horizontal bars: which kind of trouble this model has. */
export function ErrorClasses({ classes }: { classes: ErrorClass[] }) {
  if (classes.length === 0) {
    return (
      <div className="flex items-center gap-2 text-sm text-muted-foreground">
        <CircleCheckIcon className="size-4 text-success" /> No failed requests in this range
      </div>
    );
  }
  return (
    <ul className="grid gap-2" data-testid="error-classes">
      {classes.map((item) => (
        <li key={item.outcome} className="grid gap-1">
          <div className="flex items-center justify-between text-sm">
            <span>{humanize(item.outcome)}</span>
            <span className="text-muted-foreground tabular">
              {formatInteger(item.calls)} · {formatPercent(item.share, 0)}
            </span>
          </div>
          <div className="h-1.5 overflow-hidden rounded-full bg-muted">
            <div className="h-full rounded-full bg-destructive/70" style={{ width: `${Math.max(2, item.share * 100)}%` }} />
          </div>
        </li>
      ))}
    </ul>
  );
}
