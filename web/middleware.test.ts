// @vitest-environment node
import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { middleware } from "@/middleware";
import { SESSION_COOKIE, createSessionToken } from "@/lib/server/session";

const SECRET = "k".repeat(40);

function request(path: string, cookie?: string): NextRequest {
  const headers = new Headers();
  if (cookie) headers.set("cookie", `${SESSION_COOKIE}=${cookie}`);
  return new NextRequest(new URL(path, "http://dash.test"), { headers });
}

describe("middleware", () => {
  beforeEach(() => {
    vi.stubEnv("DASHBOARD_PASSWORD", "pw");
    vi.stubEnv("DASHBOARD_SESSION_SECRET", SECRET);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("sends a visitor without a session to the login, remembering where they were going", async () => {
    const response = await middleware(request("/dialogs/42?range=7d"));
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toBe("/dialogs/42?range=7d");
  });

  it("answers 401 to route calls without a session", async () => {
    const response = await middleware(request("/api/stats/summary"));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "session", detail: "log in to the dashboard first" });
  });

  it("refuses forged and expired cookies", async () => {
    expect((await middleware(request("/", "forged.cookie"))).status).toBe(307);
    const expired = await createSessionToken(SECRET, Date.now() - 10_000, 5);
    expect((await middleware(request("/", expired))).status).toBe(307);
  });

  it("lets a signed-in operator through", async () => {
    const token = await createSessionToken(SECRET);
    const response = await middleware(request("/models", token));
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  it("serves the login without a session, and skips it with one", async () => {
    expect((await middleware(request("/login"))).headers.get("x-middleware-next")).toBe("1");
    expect((await middleware(request("/api/auth/login"))).headers.get("x-middleware-next")).toBe("1");
    const token = await createSessionToken(SECRET);
    const response = await middleware(request("/login", token));
    expect(new URL(response.headers.get("location") ?? "").pathname).toBe("/");
  });

  it("serves nothing but the reason when the password or secret is missing", async () => {
    vi.stubEnv("DASHBOARD_PASSWORD", "");
    const response = await middleware(request("/login"));
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("DASHBOARD_PASSWORD is not set");
  });
});
