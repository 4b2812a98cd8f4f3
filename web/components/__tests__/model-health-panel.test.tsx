import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ModelHealthPanel } from "@/components/overview/model-health-panel";
import { modelHealth } from "@/test-support/fixtures";

const NOW = Date.parse("2026-01-31T12:00:00Z");

describe("ModelHealthPanel", () => {
  it("shows each model's latest failed request and when, apart from its breaker's latest move", () => {
    const report = {
      range: { from: "2026-01-30T12:00:00Z", to: "2026-01-31T12:00:00Z" },
      incidents: [],
      models: [
        modelHealth({
          state: "closed",
          state_since: "2026-01-31T09:00:00Z",
          last_reason: "probe succeeded",
          last_failure: { at: "2026-01-31T11:57:00Z", outcome: "server_error" },
        }),
        modelHealth({ model: "anthropic/claude-3.5-haiku", configured_as: "fallback", last_failure: null }),
      ],
    };
    render(<ModelHealthPanel report={report} failed={false} now={NOW} />);
    const [primary, fallback] = screen.getAllByTestId("model-health-row");
    expect(within(primary).getByText(/Since 3 h ago/)).toHaveTextContent("Probe succeeded");
    expect(within(primary).getByTestId("last-failure")).toHaveTextContent("Last error: Server error 3 min ago");
    expect(within(fallback).getByTestId("last-failure")).toHaveTextContent("No failed request yet");
  });
});
