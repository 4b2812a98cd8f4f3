"use client";

import { InboxIcon, LineChartIcon } from "lucide-react";

import { ChartCard } from "@/components/charts/chart-card";
import { EmptyState } from "@/components/empty-state";
import { ActivityChart } from "@/components/overview/activity-chart";
import { FailoverChart } from "@/components/overview/failover-chart";
import { LatencyChart } from "@/components/overview/latency-chart";
import { MetricGrid } from "@/components/overview/metric-grid";
import { ModelChart } from "@/components/overview/model-chart";
import { ModelHealthPanel } from "@/components/overview/model-health-panel";
import { PageHeader } from "@/components/page-header";
import { Card } from "@/components/ui/card";
import { useModels, useRangeSpec, useSummaryPair, useTimeSeries } from "@/lib/api/hooks";
import type { TimeSeries } from "@/lib/api/types";
import { hasActivity, isFreshInstall } from "@/lib/overview";
import { describePrevious, describeRange } from "@/lib/time-range";
import { useNow } from "@/lib/use-now";

export function OverviewView() {
  const spec = useRangeSpec();
  const summary = useSummaryPair(spec);
  const series = useTimeSeries(spec);
  const models = useModels(spec, 0);
  const now = useNow(10_000);
  const fresh = summary.data ? isFreshInstall(summary.data.current) : false;

  return (
    <>
      <PageHeader title="Overview" description={`${describeRange(spec)} · compared with ${describePrevious(spec)}`} />
      {fresh && <WelcomeCard />}
      <MetricGrid data={summary.data} failed={summary.isError} comparedWith={describePrevious(spec)} />

      <div className="mt-4 grid gap-4 md:mt-6 md:gap-6 lg:grid-cols-3">
        <ChartCard
          title="Activity"
          description="Messages, answers and active users"
          loading={!series.data}
          failed={!series.data && series.isError}
          className="lg:col-span-2"
          testId="chart-activity"
        >
          {series.data && <SeriesOrEmpty series={series.data}>{(s) => <ActivityChart series={s} />}</SeriesOrEmpty>}
        </ChartCard>
        <ModelHealthPanel report={models.data} failed={models.isError} now={now} />
      </div>

      <div className="mt-4 grid gap-4 md:mt-6 md:gap-6 lg:grid-cols-2">
        <ChartCard title="Answers by model" description="Which model produced each answer"
          loading={!series.data}
          failed={!series.data && series.isError}
          testId="chart-models"
        >
          {series.data && <SeriesOrEmpty series={series.data}>{(s) => <ModelChart series={s} />}</SeriesOrEmpty>}
        </ChartCard>
        <ChartCard
          title="Answer latency"
          description="Question received to answer delivered"
          loading={!series.data}
          failed={!series.data && series.isError}
          testId="chart-latency"
        >
          {series.data && <SeriesOrEmpty series={series.data}>{(s) => <LatencyChart series={s} />}</SeriesOrEmpty>}
        </ChartCard>
      </div>

      <ChartCard
        title="Failovers and incidents"
        description="Answers the fallback gave, failed requests, and the times no model could answer"
        loading={!series.data || !models.data}
        failed={(!series.data && series.isError) || (!models.data && models.isError)}
        className="mt-4 md:mt-6"
        testId="chart-failovers"
      >
        {series.data && models.data && (
          <SeriesOrEmpty series={series.data}>
            {(s) => <FailoverChart series={s} incidents={models.data.incidents} now={now} />}
          </SeriesOrEmpty>
        )}
      </ChartCard>
    </>
  );
}

function SeriesOrEmpty({ series, children }: { series: TimeSeries; children: (series: TimeSeries) => React.ReactNode }) {
  if (!hasActivity(series.points)) {
    return (
      <EmptyState icon={LineChartIcon} title="No activity in this range" className="h-56">
        Pick a longer range, or wait for users to write to the bot.
      </EmptyState>
    );
  }
  return <>{children(series)}</>;
}

function WelcomeCard() {
  return (
    <Card className="mb-6 border-dashed" data-testid="fresh-install">
      <EmptyState icon={InboxIcon} title="No messages yet" className="py-8">
        The bot has not received a message so far. Once users write to it, their messages, answers, latency and cost
        appear here within seconds, without reloading the page.
      </EmptyState>
    </Card>
  );
}
