"use client";

import { CalendarRangeIcon } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { useRangeSpec } from "@/lib/api/hooks";
import { cn } from "@/lib/utils";
import {
  PRESETS,
  PRESET_KEYS,
  describeRange,
  fromLocalInput,
  resolveRange,
  toLocalInput,
  validCustom,
  withRange,
  type RangeSpec,
} from "@/lib/time-range";

/** The range shared by every page, kept in the URL: 1h · 24h · 7d · 30d · Custom. */
export function TimeRangePicker() {
  const spec = useRangeSpec();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();

  const choose = (next: RangeSpec) => {
    const query = withRange(search, next).toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };

  return (
    <div className="flex items-center gap-2">
      <div role="group" aria-label="Time range" className="inline-flex h-8 items-center rounded-lg border bg-card p-0.5 shadow-xs">
        {PRESET_KEYS.map((key) => {
          const active = spec.kind === "preset" && spec.preset === key;
          return (
            <button
              key={key}
              type="button"
              aria-pressed={active}
              title={PRESETS[key].label}
              onClick={() => choose({ kind: "preset", preset: key })}
              className={cn(
                "h-full rounded-md px-2.5 text-xs font-medium text-muted-foreground transition-colors hover:text-foreground",
                active && "bg-secondary text-foreground shadow-xs",
              )}
            >
              {PRESETS[key].short}
            </button>
          );
        })}
        <CustomRange spec={spec} onApply={choose} />
      </div>
    </div>
  );
}

function CustomRange({ spec, onApply }: { spec: RangeSpec; onApply: (spec: RangeSpec) => void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const active = spec.kind === "custom";

  const onOpenChange = (next: boolean) => {
    if (next) {
      // Start from the range on screen, so tweaking it is one edit.
      const window = resolveRange(spec, Date.now());
      setFrom(toLocalInput(window.from));
      setTo(toLocalInput(window.to));
    }
    setOpen(next);
  };

  const fromDate = fromLocalInput(from);
  const toDate = fromLocalInput(to);
  const valid = fromDate !== null && toDate !== null && validCustom(fromDate, toDate);

  return (
    <Popover open={open} onOpenChange={onOpenChange}>
      <PopoverTrigger asChild>
        <button
          type="button"
          aria-pressed={active}
          className={cn(
            "flex h-full items-center gap-1.5 rounded-md px-2.5 text-xs font-medium text-muted-foreground transition-colors hover:text-foreground",
            active && "bg-secondary text-foreground shadow-xs",
          )}
        >
          <CalendarRangeIcon className="size-3.5" />
          <span className={cn(active ? "max-w-48 truncate" : "hidden sm:inline")}>
            {active ? describeRange(spec) : "Custom"}
          </span>
        </button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-80">
        <form
          className="grid gap-3"
          onSubmit={(event) => {
            event.preventDefault();
            if (fromDate && toDate && valid) {
              onApply({ kind: "custom", from: fromDate, to: toDate });
              setOpen(false);
            }
          }}
        >
          <div className="text-sm font-medium">Custom range</div>
          <div className="grid gap-1.5">
            <Label htmlFor="range-from">From</Label>
            <Input id="range-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="range-to">To</Label>
            <Input id="range-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </div>
          {!valid && from && to && (
            <p className="text-xs text-destructive">The end must be after the start, within 400 days.</p>
          )}
          <p className="text-xs text-muted-foreground">Times are in your time zone.</p>
          <div className="flex justify-end gap-2">
            <Button type="button" variant="ghost" size="sm" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" size="sm" disabled={!valid}>
              Apply
            </Button>
          </div>
        </form>
      </PopoverContent>
    </Popover>
  );
}
