// @vitest-environment node
/**
 * The route handlers themselves, called directly with forged input: they check the session again
 * behind the middleware, and the login's rate limit keys on what a client cannot forge.
 */
import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { POST as login } from "@/app/api/auth/login/route";
import { GET as stats } from "@/app/api/stats/[...path]/route";
import { resetLoginLimiter } from "@/lib/server/rate-limit";
import { DEVICE_COOKIE, SESSION_COOKIE, createDeviceToken, createSessionToken } from "@/lib/server/session";

const SECRET = "k".repeat(40);
const OTHER_SECRET = "o".repeat(40);
const PASSWORD = "correct horse battery staple";
const HOUR = 3_600_000;

function statsRequest(cookie?: string): [NextRequest, { params: Promise<{ path: string[] }> }] {
  const headers = new Headers();
  if (cookie !== undefined) headers.set("cookie", `${SESSION_COOKIE}=${cookie}`);
  const request = new NextRequest("http://dash.test/api/stats/summary", { headers });
  return [request, { params: Promise.resolve({ path: ["summary"] }) }];
}

function loginRequest(password: string, headers: Record<string, string> = {}): NextRequest {
  const body = new URLSearchParams({ password, next: "/" });
  return new NextRequest("http://dash.test/api/auth/login", {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}

const location = (response: Response) => response.headers.get("location") ?? "";
const setCookies = (response: Response) => response.headers.getSetCookie().join("\n");

describe("route handlers against forged input", () => {
  const upstream = vi.fn(async () => Response.json({ range: {} }));

  beforeEach(() => {
    vi.stubEnv("DASHBOARD_PASSWORD", PASSWORD);
    vi.stubEnv("DASHBOARD_SESSION_SECRET", SECRET);
    vi.stubEnv("STATS_API_URL", "http://api.test:8000");
    vi.stubEnv("STATS_API_TOKEN", "api-token");
    vi.stubGlobal("fetch", upstream);
    upstream.mockClear();
    resetLoginLimiter();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  describe("/api/stats/*", () => {
    it.each([
      ["no cookie", async () => undefined],
      ["an empty cookie", async () => ""],
      ["a forged cookie", async () => "eyJ2IjoxLCJraW5kIjoic2Vzc2lvbiJ9.Zm9yZ2Vk"],
      ["a cookie signed with another secret", () => createSessionToken(OTHER_SECRET)],
      ["an expired cookie", () => createSessionToken(SECRET, Date.now() - 8 * 24 * HOUR)],
      ["a device cookie in place of a session", () => createDeviceToken(SECRET)],
    ])("answers 401 to %s and never calls the stats API", async (_, cookie) => {
      const response = await stats(...statsRequest(await cookie()));
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "session", detail: "log in to the dashboard first" });
      expect(upstream).not.toHaveBeenCalled();
    });

    it("passes a signed-in request on, with the token added here", async () => {
      const response = await stats(...statsRequest(await createSessionToken(SECRET)));
      expect(response.status).toBe(200);
      expect(upstream).toHaveBeenCalledTimes(1);
      const [url, init] = upstream.mock.calls[0] as unknown as [string, RequestInit];
      expect(url).toBe("http://api.test:8000/api/v1/summary");
      expect(init.headers).toMatchObject({ Authorization: "Bearer api-token" });
    });
  });

  describe("/api/auth/login", () => {
    it("signs in with the right password only, whatever cookies come along", async () => {
      const forged = { cookie: `${SESSION_COOKIE}=forged.token; ${DEVICE_COOKIE}=forged.device` };
      const wrong = await login(loginRequest("guess", forged));
      expect(location(wrong)).toBe("/login?error=invalid");
      expect(setCookies(wrong)).not.toContain(SESSION_COOKIE);

      const right = await login(loginRequest(PASSWORD, forged));
      expect(location(right)).toBe("/");
      expect(setCookies(right)).toMatch(new RegExp(`${SESSION_COOKIE}=[^;]+;.*HttpOnly`, "i"));
      expect(setCookies(right)).toMatch(new RegExp(`${DEVICE_COOKIE}=[^;]+;.*Path=/api/auth/login`, "i"));
    });

    it("cannot be outrun by a new X-Forwarded-For on every guess", async () => {
      for (let i = 0; i < 20; i++) {
        const response = await login(loginRequest(`guess ${i}`, { "x-forwarded-for": `203.0.113.${i}` }));
        expect(location(response)).toBe("/login?error=invalid");
      }
      const blocked = await login(loginRequest(PASSWORD, { "x-forwarded-for": "198.51.100.1" }));
      expect(location(blocked)).toMatch(/^\/login\?error=rate&retry=\d+$/);
      expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(setCookies(blocked)).not.toContain(SESSION_COOKIE);
    });

    it.each([
      ["a forged device cookie", async () => "eyJ2IjoxfQ.Zm9yZ2Vk"],
      ["a device cookie signed with another secret", () => createDeviceToken(OTHER_SECRET)],
      ["an expired device cookie", () => createDeviceToken(SECRET, undefined, Date.now() - 400 * 24 * HOUR)],
      ["a session cookie in place of a device cookie", () => createSessionToken(SECRET)],
    ])("gives %s no way around the limit", async (_, token) => {
      const cookie = `${DEVICE_COOKIE}=${await token()}`;
      for (let i = 0; i < 20; i++) await login(loginRequest(`guess ${i}`, { cookie }));
      expect(location(await login(loginRequest(PASSWORD, { cookie })))).toMatch(/error=rate/);
    });

    it("lets a browser that logged in before in, however many guesses came from elsewhere", async () => {
      const first = await login(loginRequest(PASSWORD));
      const device = /assistant_device=([^;]+)/.exec(setCookies(first))?.[1];
      expect(device).toBeTruthy();
      for (let i = 0; i < 50; i++) await login(loginRequest(`guess ${i}`, { "x-forwarded-for": `203.0.113.${i}` }));
      expect(location(await login(loginRequest(PASSWORD)))).toMatch(/error=rate/);

      const operator = await login(loginRequest(PASSWORD, { cookie: `${DEVICE_COOKIE}=${device}` }));
      expect(location(operator)).toBe("/");
      // Its own failures still count, against it alone.
      for (let i = 0; i < 5; i++) await login(loginRequest("typo", { cookie: `${DEVICE_COOKIE}=${device}` }));
      expect(location(await login(loginRequest(PASSWORD, { cookie: `${DEVICE_COOKIE}=${device}` })))).toMatch(/error=rate/);
    });

    it("behind a trusted proxy, limits each address the proxy saw, not the ones the client claims", async () => {
      vi.stubEnv("DASHBOARD_TRUSTED_PROXIES", "1");
      for (let i = 0; i < 5; i++) {
        await login(loginRequest(`guess ${i}`, { "x-forwarded-for": `10.9.9.${i}, 203.0.113.50` }));
      }
      const same = await login(loginRequest(PASSWORD, { "x-forwarded-for": "10.1.1.1, 203.0.113.50" }));
      expect(location(same)).toMatch(/error=rate/);
      const elsewhere = await login(loginRequest(PASSWORD, { "x-forwarded-for": "203.0.113.50, 198.51.100.9" }));
      expect(location(elsewhere)).toBe("/");
    });
  });
});
