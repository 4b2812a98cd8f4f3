import { ArrowRightIcon } from "lucide-react";

import { BreakerStateBadge, type State } from "@/components/models/breaker-state";
import { BreakerTimeline } from "@/components/models/breaker-timeline";
import { ErrorClasses } from "@/components/models/error-classes";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { ModelHealth } from "@/lib/api/types";
import { formatDateTime, formatInteger, formatPercent, formatRelative, humanize } from "@/lib/format";
import { breakerSegments, errorClasses, outcomeCount, stateShares } from "@/lib/models";

export function ModelCard({
  model,
  from,
  to,
  eventLimit,
  now,
}: {
  model: ModelHealth;
  from: number;
  to: number;
  eventLimit: number;
  now: number;
}) {
  const truncated = model.events.length >= eventLimit;
  const segments = breakerSegments(model, model.events, from, to, truncated);
  const shares = stateShares(segments);
  const classes = errorClasses(model.outcomes);
  return (
    <Card data-testid="model-card" data-model={model.model}>
      <CardHeader className="grid-cols-[1fr_auto]">
        <div className="min-w-0">
          <CardTitle className="truncate text-base" title={model.model}>
            {model.model}
          </CardTitle>
          <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
            {model.configured_as && (
              <Badge variant="secondary" className="capitalize">
                {model.configured_as}
              </Badge>
            )}
            {model.state_since ? (
              <span title={formatDateTime(model.state_since)}>
                {humanize(model.state)} since {formatRelative(model.state_since, now)}
                {model.last_reason && ` · ${model.last_reason}`}
              </span>
            ) : (
              <span>Breaker never opened</span>
            )}
          </div>
        </div>
        <BreakerStateBadge state={model.state as State} className="col-start-2 row-start-1" />
      </CardHeader>
      <CardContent className="grid gap-6">
        <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
          <Figure label="Requests" value={formatInteger(model.calls)} />
          <Figure label="Failed" value={formatInteger(model.failures)} />
          <Figure label="Failure rate" value={formatPercent(model.failure_rate)} />
          <Figure label="Open or probing" value={formatPercent(shares.open + shares.half_open)} />
        </dl>

        <section className="grid gap-2">
          <h3 className="text-sm font-medium">Breaker state over the range</h3>
          <BreakerTimeline segments={segments} from={from} to={to} />
        </section>

        <div className="grid gap-6 lg:grid-cols-2">
          <section className="grid content-start gap-3">
            <h3 className="text-sm font-medium">
              Error classes
              {outcomeCount(model.outcomes, "cancelled") > 0 && (
                <span className="ml-2 font-normal text-muted-foreground">
                  ({formatInteger(outcomeCount(model.outcomes, "cancelled"))} cancelled hedges not counted)
                </span>
              )}
            </h3>
            <ErrorClasses classes={classes} />
          </section>
          <section className="grid content-start gap-3">
            <h3 className="text-sm font-medium">
              Latest breaker events{" "}
              <span className="font-normal text-muted-foreground">({formatInteger(model.events.length)})</span>
            </h3>
            {model.events.length === 0 ? (
              <p className="text-sm text-muted-foreground">No state changes in this range.</p>
            ) : (
              <ol className="grid max-h-64 gap-1 overflow-y-auto pr-1 text-sm" data-testid="breaker-events">
                {model.events.slice(0, 50).map((event) => (
                  <li
                    key={`${event.at}-${event.to_state}`}
                    className="flex flex-wrap items-center gap-x-2 rounded-md px-2 py-1 hover:bg-muted/60 sm:flex-nowrap"
                  >
                    <time className="w-28 shrink-0 text-xs text-muted-foreground tabular" dateTime={event.at}>
                      {formatDateTime(event.at)}
                    </time>
                    {event.kind === "route_away" ? (
                      <span className="text-xs font-medium whitespace-nowrap">Routed away</span>
                    ) : (
                      <span className="flex items-center gap-1 text-xs whitespace-nowrap">
                        {humanize(event.from_state ?? "?")} <ArrowRightIcon className="size-3 text-muted-foreground" />{" "}
                        <span className="font-medium">{humanize(event.to_state ?? "?")}</span>
                      </span>
                    )}
                    <span className="basis-full truncate text-xs text-muted-foreground sm:basis-auto">{event.reason}</span>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>
      </CardContent>
    </Card>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 text-lg font-semibold tabular">{value}</dd>
    </div>
  );
}
