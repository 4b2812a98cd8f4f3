"use client";

import { BotIcon } from "lucide-react";

import { EmptyState } from "@/components/empty-state";
import { IncidentsCard } from "@/components/models/incidents-card";
import { ModelCard } from "@/components/models/model-card";
import { PageHeader } from "@/components/page-header";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Unavailable } from "@/components/unavailable";
import { useModels, useRangeSpec } from "@/lib/api/hooks";
import { describeRange } from "@/lib/time-range";
import { useNow } from "@/lib/use-now";

const EVENT_LIMIT = 200;

export function ModelsView() {
  const spec = useRangeSpec();
  const report = useModels(spec, EVENT_LIMIT);
  const now = useNow(10_000);
  const data = report.data;
  const from = data ? Date.parse(data.range.from) : 0;
  // A preset range ends "now"; the API widens it to the next whole minute, which is in the future.
  const to = data ? Math.min(Date.parse(data.range.to), Math.max(now, from + 60_000)) : 0;

  return (
    <>
      <PageHeader title="Models" description={`Breaker states, incidents and error classes · ${describeRange(spec)}`} />
      {!data && report.isError && (
        <Card>
          <Unavailable />
        </Card>
      )}
      {!data && !report.isError && (
        <div className="grid gap-6">
          {[0, 1].map((i) => (
            <Skeleton key={i} className="h-80 w-full rounded-xl" />
          ))}
        </div>
      )}
      {data && data.models.length === 0 && (
        <Card>
          <EmptyState icon={BotIcon} title="No models yet">
            Each model appears here after the bot&apos;s first request to it.
          </EmptyState>
        </Card>
      )}
      {data && (
        <div className="grid gap-6">
          {data.models.map((model) => (
            <ModelCard key={model.model} model={model} from={from} to={to} eventLimit={EVENT_LIMIT} now={now} />
          ))}
          <IncidentsCard incidents={data.incidents} now={now} />
        </div>
      )}
    </>
  );
}
