"use client";

import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState } from "react";

import { TooltipProvider } from "@/components/ui/tooltip";
import { StatsError } from "@/lib/api/errors";

const RefreshContext = createContext(5000);

/** How often the pages refresh (ms), from DASHBOARD_REFRESH_SECONDS. */
export function useRefreshMs(): number {
  return useContext(RefreshContext);
}

function goToLogin() {
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

export function makeQueryClient(refreshMs: number): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      // The session expired while the page was open: back to the login, then here again.
      onError: (error) => {
        if (error instanceof StatsError && error.kind === "session") goToLogin();
      },
    }),
    defaultOptions: {
      queries: {
        // Live: refetch on an interval; TanStack Query pauses it while the tab is hidden.
        refetchInterval: refreshMs,
        refetchIntervalInBackground: false,
        refetchOnWindowFocus: true,
        staleTime: Math.min(refreshMs / 2, 2000),
        // Our own errors are not retried at once: the next interval is the retry, and the banner
        // should appear as soon as the API is gone rather than after a round of back-offs.
        retry: (failures, error) => !(error instanceof StatsError) && failures < 2,
      },
    },
  });
}

export function Providers({ refreshMs, children }: { refreshMs: number; children: React.ReactNode }) {
  const [client] = useState(() => makeQueryClient(refreshMs));
  return (
    <QueryClientProvider client={client}>
      <RefreshContext.Provider value={refreshMs}>
        <TooltipProvider>{children}</TooltipProvider>
      </RefreshContext.Provider>
    </QueryClientProvider>
  );
}
