// @vitest-environment node
import { describe, expect, it } from "vitest";

import { passwordMatches } from "@/lib/server/password";

describe("passwordMatches", () => {
  it("accepts the password and nothing else", () => {
    expect(passwordMatches("correct horse", "correct horse")).toBe(true);
    expect(passwordMatches("correct hors", "correct horse")).toBe(false);
    expect(passwordMatches("correct horse!", "correct horse")).toBe(false);
    expect(passwordMatches("", "correct horse")).toBe(false);
  });

  it("never accepts an empty configured password", () => {
    expect(passwordMatches("", "")).toBe(false);
  });
});
