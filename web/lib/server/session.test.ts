// @vitest-environment node
import { describe, expect, it } from "vitest";

import {
  createDeviceToken,
  createSessionToken,
  deviceCookieOptions,
  isHttps,
  sessionCookieOptions,
  verifyDeviceToken,
  verifySessionToken,
} from "@/lib/server/session";

const SECRET = "s".repeat(40);
const NOW = Date.parse("2026-01-31T12:00:00Z");

describe("session tokens", () => {
  it("verifies a token it signed, until it expires", async () => {
    const token = await createSessionToken(SECRET, NOW, 3600);
    expect(await verifySessionToken(token, SECRET, NOW + 1000)).toBe(true);
    expect(await verifySessionToken(token, SECRET, NOW + 3599_000)).toBe(true);
    expect(await verifySessionToken(token, SECRET, NOW + 3600_000)).toBe(false);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await createSessionToken("another secret of enough length......", NOW);
    expect(await verifySessionToken(token, SECRET, NOW)).toBe(false);
  });

  it("refuses a token whose expiry was edited", async () => {
    const token = await createSessionToken(SECRET, NOW, 60);
    const [, signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ v: 1, iat: NOW / 1000, exp: NOW / 1000 + 10 ** 9 })).toString("base64url");
    expect(await verifySessionToken(`${forged}.${signature}`, SECRET, NOW)).toBe(false);
  });

  it.each([undefined, "", "garbage", "a.b.c", "!!!.???", `${"x".repeat(600)}.y`])("refuses %j", async (token) => {
    expect(await verifySessionToken(token, SECRET, NOW)).toBe(false);
  });

  it("refuses a token issued in the future", async () => {
    const token = await createSessionToken(SECRET, NOW + 3600_000, 7200);
    expect(await verifySessionToken(token, SECRET, NOW)).toBe(false);
  });
});

describe("device tokens", () => {
  it("carry the browser's id, and are never taken for a session or the other way round", async () => {
    const device = await createDeviceToken(SECRET, "browser-id-0123456789", NOW);
    expect(await verifyDeviceToken(device, SECRET, NOW)).toBe("browser-id-0123456789");
    expect(await verifyDeviceToken(device, "another secret of enough length......", NOW)).toBeNull();
    expect(await verifySessionToken(device, SECRET, NOW)).toBe(false);
    expect(await verifyDeviceToken(await createSessionToken(SECRET, NOW), SECRET, NOW)).toBeNull();
  });

  it("get a new random id unless given one", async () => {
    const [a, b] = await Promise.all([createDeviceToken(SECRET), createDeviceToken(SECRET)]);
    expect(await verifyDeviceToken(a, SECRET)).not.toEqual(await verifyDeviceToken(b, SECRET));
  });
});

describe("cookie attributes", () => {
  it("keeps the cookie from scripts and other sites, and Secure over https", () => {
    expect(sessionCookieOptions(true)).toMatchObject({ httpOnly: true, sameSite: "lax", secure: true, path: "/" });
    expect(sessionCookieOptions(false).secure).toBe(false);
    expect(deviceCookieOptions(true)).toMatchObject({ httpOnly: true, sameSite: "strict", path: "/api/auth/login" });
  });

  it("knows https directly or from the proxy", () => {
    expect(isHttps("https://dash.example/login", null)).toBe(true);
    expect(isHttps("http://127.0.0.1:3000/login", "https")).toBe(true);
    expect(isHttps("http://127.0.0.1:3000/login", "http")).toBe(false);
    expect(isHttps("http://127.0.0.1:3000/login", null)).toBe(false);
  });
});
