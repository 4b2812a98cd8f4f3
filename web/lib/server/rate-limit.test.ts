// @vitest-environment node
import { describe, expect, it } from "vitest";

import { FailureLimiter, clientKey } from "@/lib/server/rate-limit";

const options = { perClient: 3, overall: 5, windowMs: 60_000 };

describe("FailureLimiter", () => {
  it("blocks a client after its allowance of failures, until the window passes", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check("a", i * 1000).allowed).toBe(true);
      limiter.recordFailure("a", i * 1000);
    }
    expect(limiter.check("a", 3000)).toEqual({ allowed: false, retryAfterSeconds: 57 });
    expect(limiter.check("b", 3000).allowed).toBe(true);
    expect(limiter.check("a", 60_001).allowed).toBe(true);
  });

  it("blocks everyone once too many failures came from anywhere", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 5; i++) limiter.recordFailure(`client-${i}`, 0);
    expect(limiter.check("somebody-new", 10).allowed).toBe(false);
  });

  it("forgets a client's failures when it logs in", () => {
    const limiter = new FailureLimiter(options);
    for (let i = 0; i < 3; i++) limiter.recordFailure("a", 0);
    limiter.recordSuccess("a");
    expect(limiter.check("a", 1).allowed).toBe(true);
  });
});

describe("clientKey", () => {
  it("takes the first forwarded address", () => {
    expect(clientKey(new Headers({ "x-forwarded-for": "203.0.113.9, 10.0.0.1" }))).toBe("203.0.113.9");
    expect(clientKey(new Headers({ "x-real-ip": "203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientKey(new Headers())).toBe("unknown");
  });
});
