// @vitest-environment node
import { describe, expect, it } from "vitest";

import { FailureLimiter, loginClient, proxiedAddress, type LoginClient } from "@/lib/server/rate-limit";

const options = { perClient: 3, untrusted: 5, windowMs: 60_000 };
const address = (value: string): LoginClient => ({ kind: "address", address: value });
const device = (id: string): LoginClient => ({ kind: "device", id });
const unknown: LoginClient = { kind: "unknown" };

describe("FailureLimiter", () => {
  it("blocks an address after its allowance of failures, until the window passes", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check(address("a"), i * 1000).allowed).toBe(true);
      limiter.recordFailure(address("a"), i * 1000);
    }
    expect(limiter.check(address("a"), 3000)).toEqual({ allowed: false, retryAfterSeconds: 57 });
    expect(limiter.check(address("b"), 3000).allowed).toBe(true);
    expect(limiter.check(address("a"), 60_001).allowed).toBe(true);
  });

  it("lets all untrusted clients together fail only so often, wherever they claim to be", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 5; i++) limiter.recordFailure(i % 2 ? unknown : address(`10.0.0.${i}`), 0);
    expect(limiter.check(unknown, 10).allowed).toBe(false);
    expect(limiter.check(address("somebody-new"), 10).allowed).toBe(false);
  });

  it("keeps a known device out of the untrusted limit: nobody else can lock the operator out", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 50; i++) limiter.recordFailure(unknown, 0);
    expect(limiter.check(device("operator"), 10).allowed).toBe(true);
    for (let i = 0; i < 3; i++) limiter.recordFailure(device("stolen"), 0);
    expect(limiter.check(device("stolen"), 10).allowed).toBe(false);
    expect(limiter.check(device("operator"), 10).allowed).toBe(true);
  });

  it("forgets a client's failures when it logs in", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 3; i++) limiter.recordFailure(address("a"), 0);
    limiter.recordSuccess(address("a"));
    expect(limiter.check(address("a"), 1).allowed).toBe(true);
  });
});

describe("the client's key", () => {
  const spoofed = new Headers({ "x-forwarded-for": "203.0.113.9, 198.51.100.7" });

  it("ignores X-Forwarded-For unless proxies are trusted: without one the client wrote it", () => {
    expect(proxiedAddress(spoofed, 0)).toBeNull();
    expect(loginClient(null, spoofed, 0)).toEqual({ kind: "unknown" });
  });

  it("takes the address the outermost trusted proxy saw: entries to its left are the client's own", () => {
    expect(proxiedAddress(spoofed, 1)).toBe("198.51.100.7");
    expect(proxiedAddress(spoofed, 2)).toBe("203.0.113.9");
    expect(proxiedAddress(spoofed, 3)).toBeNull();
    expect(proxiedAddress(new Headers(), 1)).toBeNull();
  });

  it("prefers a signed device cookie over any address", () => {
    expect(loginClient("abc", spoofed, 1)).toEqual({ kind: "device", id: "abc" });
  });
});
