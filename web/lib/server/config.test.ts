// @vitest-environment node
import { describe, expect, it } from "vitest";

import { describeProblems, readConfig } from "@/lib/server/config";

const GOOD = { DASHBOARD_PASSWORD: "hunter2", DASHBOARD_SESSION_SECRET: "x".repeat(32) };

describe("readConfig", () => {
  it("defaults what it can", () => {
    const result = readConfig(GOOD);
    expect(result).toEqual({
      ok: true,
      config: {
        password: "hunter2",
        sessionSecret: "x".repeat(32),
        statsApiUrl: "http://127.0.0.1:8000",
        statsApiToken: "",
        refreshSeconds: 5,
        trustedProxies: 0,
      },
    });
  });

  it("reads the stats API and the refresh interval", () => {
    const result = readConfig({ ...GOOD, STATS_API_URL: "http://api:8000/", STATS_API_TOKEN: " t ", DASHBOARD_REFRESH_SECONDS: "2.5" });
    expect(result.ok && result.config).toMatchObject({ statsApiUrl: "http://api:8000", statsApiToken: "t", refreshSeconds: 2.5 });
  });

  it("reads how many proxies to trust", () => {
    const result = readConfig({ ...GOOD, DASHBOARD_TRUSTED_PROXIES: "1" });
    expect(result.ok && result.config.trustedProxies).toBe(1);
  });

  it("names every missing or bad variable", () => {
    const result = readConfig({
      DASHBOARD_SESSION_SECRET: "short",
      STATS_API_URL: "ftp://x",
      DASHBOARD_REFRESH_SECONDS: "0",
      DASHBOARD_TRUSTED_PROXIES: "yes",
    });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : describeProblems(result.problems);
    expect(text).toContain("DASHBOARD_PASSWORD is not set");
    expect(text).toContain("DASHBOARD_SESSION_SECRET is too short");
    expect(text).toContain("STATS_API_URL");
    expect(text).toContain("DASHBOARD_REFRESH_SECONDS");
    expect(text).toContain("DASHBOARD_TRUSTED_PROXIES");
  });

  it("treats blank values as missing", () => {
    const result = readConfig({ DASHBOARD_PASSWORD: "  ", DASHBOARD_SESSION_SECRET: "" });
    expect(result.ok ? [] : result.problems.join(" ")).toMatch(/DASHBOARD_PASSWORD.*DASHBOARD_SESSION_SECRET is not set/);
  });
});
