import { fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { TimeRangePicker } from "@/components/shell/time-range-picker";

const navigation = vi.hoisted(() => ({ search: "", replace: vi.fn() }));

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: navigation.replace, push: vi.fn() }),
  usePathname: () => "/dialogs",
  useSearchParams: () => new URLSearchParams(navigation.search),
}));

describe("TimeRangePicker", () => {
  beforeEach(() => {
    navigation.replace.mockClear();
    navigation.search = "q=anna";
  });

  it("marks the range in the URL", () => {
    navigation.search = "range=7d";
    render(<TimeRangePicker />);
    expect(screen.getByRole("button", { name: "7d" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "24h" })).toHaveAttribute("aria-pressed", "false");
  });

  it("puts a chosen preset in the URL, keeping the page's other parameters", () => {
    render(<TimeRangePicker />);
    expect(screen.getByRole("button", { name: "24h" })).toHaveAttribute("aria-pressed", "true");
    fireEvent.click(screen.getByRole("button", { name: "30d" }));
    expect(navigation.replace).toHaveBeenCalledWith("/dialogs?q=anna&range=30d", { scroll: false });
  });

  it("applies a custom range", () => {
    render(<TimeRangePicker />);
    fireEvent.click(screen.getByRole("button", { name: /custom/i }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-01-30T10:00" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-01-31T10:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    const from = new Date(2026, 0, 30, 10, 0).toISOString();
    const to = new Date(2026, 0, 31, 10, 0).toISOString();
    expect(navigation.replace).toHaveBeenCalledWith(
      `/dialogs?${new URLSearchParams({ q: "anna", from, to })}`,
      { scroll: false },
    );
  });

  it("will not apply a range that ends before it starts", () => {
    render(<TimeRangePicker />);
    fireEvent.click(screen.getByRole("button", { name: /custom/i }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-01-31T10:00" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-01-30T10:00" } });
    expect(screen.getByRole("button", { name: "Apply" })).toBeDisabled();
    expect(screen.getByText(/must be after the start/)).toBeInTheDocument();
  });
});
