import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { MessageBubble } from "@/components/dialogs/message-bubble";
import { message } from "@/test-support/fixtures";

describe("MessageBubble", () => {
  it("shows a user's message with its author", () => {
    render(<MessageBubble message={message({ text: "How do I reset it?" })} authorName="Anna Smith" />);
    expect(screen.getByTestId("message")).toHaveAttribute("data-direction", "in");
    expect(screen.getByText("How do I reset it?")).toBeInTheDocument();
    expect(screen.getByText("Anna Smith")).toBeInTheDocument();
  });

  it("shows an answer's model, latency and cost", () => {
    render(
      <MessageBubble
        message={message({ direction: "out", text: "Hold the button.", model: "openai/gpt-4o-mini", latency_ms: 1840, cost_usd: 0.00042, role: "coder" })}
        authorName="Anna"
      />,
    );
    expect(screen.getByText("Assistant")).toBeInTheDocument();
    expect(screen.getByText("gpt-4o-mini")).toBeInTheDocument();
    expect(screen.getByText("1.84 s")).toBeInTheDocument();
    expect(screen.getByText("$0.00042")).toBeInTheDocument();
    expect(screen.getByText("· coder")).toBeInTheDocument();
    expect(screen.queryByTestId("fallback-mark")).not.toBeInTheDocument();
  });

  it("marks answers the fallback model gave", () => {
    render(
      <MessageBubble message={message({ direction: "out", is_fallback: true, model: "anthropic/claude-3.5-haiku", latency_ms: 5230, cost_usd: 0.00091 })} authorName="Anna" />,
    );
    expect(screen.getByTestId("message")).toHaveAttribute("data-fallback", "true");
    expect(screen.getByTestId("fallback-mark")).toHaveTextContent("Fallback answered");
  });

  it("says when retention removed the text", () => {
    render(<MessageBubble message={message({ text: null })} authorName="Anna" />);
    expect(screen.getByText("Text removed by the retention policy")).toBeInTheDocument();
  });
});
