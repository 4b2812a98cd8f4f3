"use client";

import { KeyRoundIcon, DatabaseIcon, UnplugIcon } from "lucide-react";

import { useRefreshMs } from "@/components/providers";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import type { StatsErrorKind } from "@/lib/api/errors";
import { useApiStatus } from "@/lib/api/status";
import { formatRelative } from "@/lib/format";
import { useNow } from "@/lib/use-now";

interface BannerText {
  title: string;
  advice: string;
}

/** What to tell the operator for each kind of outage. */
export function bannerText(kind: StatsErrorKind): BannerText {
  switch (kind) {
    case "unauthorized":
      return {
        title: "The stats API refuses the dashboard's token",
        advice:
          "Give the stats API and the dashboard the same STATS_API_TOKEN, then restart the dashboard.",
      };
    case "unavailable":
      return {
        title: "The stats API cannot read its database",
        advice: "Check that PostgreSQL is running and migrated; the stats API's /readyz says what is wrong.",
      };
    default:
      return {
        title: "The stats API is unreachable",
        advice: "Check that the stats API is running and that STATS_API_URL points at it.",
      };
  }
}

/** A clear line at the top of every page while the statistics cannot be fetched. */
export function ApiStatusBanner() {
  const { outage, lastUpdated } = useApiStatus();
  const refreshMs = useRefreshMs();
  const now = useNow();
  if (!outage) return null;
  const text = bannerText(outage.kind);
  const Icon = outage.kind === "unauthorized" ? KeyRoundIcon : outage.kind === "unavailable" ? DatabaseIcon : UnplugIcon;
  return (
    <Alert variant="destructive" data-testid="api-status-banner" data-kind={outage.kind} className="mb-6">
      <Icon />
      <AlertTitle>{text.title}</AlertTitle>
      <AlertDescription>
        <p>
          {text.advice} <span className="text-destructive/70">({outage.detail})</span>
        </p>
        <p className="text-destructive/80">
          {lastUpdated
            ? `Showing figures from ${formatRelative(new Date(lastUpdated), now)}. `
            : "No figures could be loaded yet. "}
          Retrying every {Math.round(refreshMs / 100) / 10} s.
        </p>
      </AlertDescription>
    </Alert>
  );
}
