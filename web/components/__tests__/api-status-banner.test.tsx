import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { makeQueryClient } from "@/components/providers";
import { ApiStatusBanner } from "@/components/shell/api-status-banner";
import { StatsError, type StatsErrorKind } from "@/lib/api/errors";

/** A page with one query whose fetch the test controls. */
function Page({ fetcher }: { fetcher: () => Promise<number> }) {
  const query = useQuery({ queryKey: ["figure"], queryFn: fetcher, refetchInterval: false });
  return <div data-testid="figure">{query.data ?? "none"}</div>;
}

function setup() {
  let outcome: { value?: number; error?: StatsError } = { value: 1 };
  const client = makeQueryClient(5000);
  const fetcher = async () => {
    if (outcome.error) throw outcome.error;
    return outcome.value ?? 0;
  };
  render(
    <QueryClientProvider client={client}>
      <ApiStatusBanner />
      <Page fetcher={fetcher} />
    </QueryClientProvider>,
  );
  return {
    client,
    fail: (kind: StatsErrorKind, detail: string) => {
      outcome = { error: new StatsError(kind, detail, 502) };
    },
    succeed: (value: number) => {
      outcome = { value };
    },
  };
}

describe("ApiStatusBanner", () => {
  it("stays away while the API answers", async () => {
    setup();
    expect(await screen.findByText("1")).toBeInTheDocument();
    expect(screen.queryByTestId("api-status-banner")).not.toBeInTheDocument();
  });

  it.each([
    ["unreachable", "The stats API is unreachable"],
    ["unauthorized", "The stats API refuses the dashboard's token"],
    ["unavailable", "The stats API cannot read its database"],
  ] as const)("explains a %s API, keeps the last figures, and leaves once it answers", async (kind, title) => {
    const page = setup();
    expect(await screen.findByText("1")).toBeInTheDocument();
    page.fail(kind, "details from the server");
    await act(() => page.client.refetchQueries());
    const banner = await screen.findByTestId("api-status-banner");
    expect(banner).toHaveAttribute("data-kind", kind);
    expect(banner).toHaveTextContent(title);
    expect(banner).toHaveTextContent("details from the server");
    expect(screen.getByTestId("figure")).toHaveTextContent("1");

    page.succeed(2);
    await act(() => page.client.refetchQueries());
    expect(await screen.findByText("2")).toBeInTheDocument();
    expect(screen.queryByTestId("api-status-banner")).not.toBeInTheDocument();
  });

  it("does not call a single refused parameter an outage", async () => {
    const page = setup();
    await screen.findByText("1");
    page.fail("invalid", "bad range");
    await act(() => page.client.refetchQueries());
    expect(screen.queryByTestId("api-status-banner")).not.toBeInTheDocument();
  });
});
