// @vitest-environment node
import { describe, expect, it } from "vitest";

import { safeNextPath } from "@/lib/server/redirect";

describe("safeNextPath", () => {
  it("keeps paths of this dashboard", () => {
    expect(safeNextPath("/dialogs/42?range=7d")).toBe("/dialogs/42?range=7d");
    expect(safeNextPath("/")).toBe("/");
  });

  it.each([
    null,
    "",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "/api/stats/summary",
    "/login?next=/login",
    "/a\nb",
  ])("sends %j to the overview", (value) => {
    expect(safeNextPath(value)).toBe("/");
  });
});
