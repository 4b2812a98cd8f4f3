import { describe, expect, it } from "vitest";

import { dialogName, dialogSubtitle, groupByDay, initials, parseSort, sortToParam, toggleSort } from "@/lib/dialogs";
import { dialog, message } from "@/test-support/fixtures";

describe("names", () => {
  it("names private chats by their user and groups by their title", () => {
    expect(dialogName(dialog())).toBe("Anna Smith");
    expect(dialogSubtitle(dialog())).toBe("@anna · id 42");
    const group = dialog({ chat_id: -100, type: "supergroup", title: "Team", user: null });
    expect(dialogName(group)).toBe("Team");
    expect(dialogSubtitle(group)).toBe("supergroup · id -100");
    expect(dialogName(dialog({ user: null }))).toBe("chat 42");
  });

  it("makes avatar initials", () => {
    expect(initials("Anna Smith")).toBe("AS");
    expect(initials("Elena")).toBe("EL");
    expect(initials("@@")).toBe("?");
  });
});

describe("sorting", () => {
  it("toggles like a table: a new column starts largest first, the same column flips", () => {
    expect(toggleSort({ key: "activity", direction: "desc" }, "cost")).toEqual({ key: "cost", direction: "desc" });
    expect(toggleSort({ key: "cost", direction: "desc" }, "cost")).toEqual({ key: "cost", direction: "asc" });
    expect(toggleSort({ key: "cost", direction: "asc" }, "messages")).toEqual({ key: "messages", direction: "desc" });
  });

  it("keeps the sort in the URL, and the default out of it", () => {
    expect(parseSort("cost.asc")).toEqual({ key: "cost", direction: "asc" });
    expect(parseSort("name.asc")).toEqual({ key: "activity", direction: "desc" });
    expect(parseSort("bogus.asc")).toEqual({ key: "activity", direction: "desc" });
    expect(parseSort(null)).toEqual({ key: "activity", direction: "desc" });
    expect(sortToParam({ key: "activity", direction: "desc" })).toBeNull();
    expect(sortToParam({ key: "messages", direction: "asc" })).toBe("messages.asc");
  });
});

describe("groupByDay", () => {
  it("turns newest-first pages into days of oldest-first messages, without duplicates", () => {
    const newestFirst = [
      message({ id: 4, created_at: "2026-01-31T09:00:00Z" }),
      message({ id: 3, created_at: "2026-01-31T08:00:00Z" }),
      message({ id: 3, created_at: "2026-01-31T08:00:00Z" }),
      message({ id: 2, created_at: "2026-01-30T23:00:00Z" }),
      message({ id: 1, created_at: "2026-01-30T22:00:00Z" }),
    ];
    const groups = groupByDay(newestFirst, "UTC");
    expect(groups.map((g) => [g.day, g.messages.map((m) => m.id)])).toEqual([
      ["2026-01-30", [1, 2]],
      ["2026-01-31", [3, 4]],
    ]);
  });

  it("splits days in the viewer's zone", () => {
    const groups = groupByDay([message({ id: 2, created_at: "2026-01-30T23:00:00Z" }), message({ id: 1, created_at: "2026-01-30T20:00:00Z" })], "Europe/Moscow");
    expect(groups.map((g) => g.day)).toEqual(["2026-01-30", "2026-01-31"]);
  });
});
