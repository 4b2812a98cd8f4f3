import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { makeQueryClient } from "@/components/providers";
import { DEFAULT_REFRESH_SECONDS } from "@/lib/server/config";

function showTab(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
}

/** Renders one query with the dashboard's own client defaults and counts how often it fetches. */
function renderCountingQuery(refreshMs: number) {
  const fetches = { count: 0 };
  function Probe() {
    useQuery({ queryKey: ["probe"], queryFn: async () => ++fetches.count });
    return null;
  }
  render(
    <QueryClientProvider client={makeQueryClient(refreshMs)}>
      <Probe />
    </QueryClientProvider>,
  );
  return fetches;
}

const tick = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

describe("live refresh", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    showTab("visible");
  });

  it("refetches every 5 s by default, pauses while the tab is hidden, and resumes when it is shown", async () => {
    const fetches = renderCountingQuery(DEFAULT_REFRESH_SECONDS * 1000);
    await tick(0);
    expect(fetches.count).toBe(1);
    await tick(15_000);
    expect(fetches.count).toBe(4);

    showTab("hidden");
    await tick(60_000);
    expect(fetches.count).toBe(4);

    showTab("visible");
    await tick(5_000);
    // Back in view: fresh figures at once (the data is stale), then every 5 s again.
    expect(fetches.count).toBeGreaterThanOrEqual(5);
    const resumed = fetches.count;
    await tick(10_000);
    expect(fetches.count).toBe(resumed + 2);
  });
});
