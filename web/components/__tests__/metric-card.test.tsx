import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { MetricGrid } from "@/components/overview/metric-grid";
import { TooltipProvider } from "@/components/ui/tooltip";
import { summary } from "@/test-support/fixtures";

function renderGrid(props: Parameters<typeof MetricGrid>[0]) {
  return render(
    <TooltipProvider>
      <MetricGrid {...props} />
    </TooltipProvider>,
  );
}

describe("MetricGrid", () => {
  it("shows each figure with its change, coloured by whether it is good news", () => {
    const current = summary();
    const previous = summary({ users: { active: 40 }, calls: { failed: 20 } });
    renderGrid({ data: { current, previous }, failed: false, comparedWith: "the previous 24 hours" });

    const users = screen.getByTestId("metric-active-users");
    expect(within(users).getByTestId("metric-value")).toHaveTextContent("48");
    expect(within(users).getByTestId("delta")).toHaveTextContent("+20.0%");
    expect(within(users).getByTestId("delta")).toHaveAttribute("data-tone", "good");

    const failures = screen.getByTestId("metric-failures");
    expect(within(failures).getByTestId("metric-value")).toHaveTextContent("44");
    expect(within(failures).getByTestId("delta")).toHaveAttribute("data-tone", "bad");
  });

  it("shows skeletons while loading, and dashes when the figures cannot be loaded", () => {
    const { rerender } = renderGrid({ data: undefined, failed: false, comparedWith: "" });
    expect(screen.getAllByTestId("metric-skeleton")).toHaveLength(8);
    rerender(
      <TooltipProvider>
        <MetricGrid data={undefined} failed comparedWith="" />
      </TooltipProvider>,
    );
    expect(screen.queryAllByTestId("metric-skeleton")).toHaveLength(0);
    expect(screen.getAllByTestId("metric-unavailable")).toHaveLength(8);
    expect(screen.getByText("Active users")).toBeInTheDocument();
  });
});
