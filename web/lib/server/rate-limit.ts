/**
 * Limits failed logins, keyed on what a client cannot forge.
 *
 * - A browser that logged in before carries a signed device cookie: its failures count against
 *   that device alone (`perClient`), so nobody else can lock the operator out of it.
 * - Any other attempt is untrusted. All of them together get `untrusted` failures per window, and,
 *   when a trusted proxy reports the client's address (`DASHBOARD_TRUSTED_PROXIES`), each address
 *   also gets `perClient`. Without such a proxy X-Forwarded-For is whatever the client wrote, so it
 *   is ignored: rotating it buys nothing.
 *
 * In memory: the dashboard is one process, and a restart forgetting the counts is harmless.
 * web/README.md explains the trade-off.
 */

export interface LimitOptions {
  perClient: number;
  untrusted: number;
  windowMs: number;
}

export const LOGIN_LIMITS: LimitOptions = { perClient: 5, untrusted: 20, windowMs: 15 * 60 * 1000 };

/** Who is trying: a known device, an address a trusted proxy reported, or nobody in particular. */
export type LoginClient = { kind: "device"; id: string } | { kind: "address"; address: string } | { kind: "unknown" };

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function keyOf(client: LoginClient): string | null {
  if (client.kind === "device") return `device:${client.id}`;
  if (client.kind === "address") return `address:${client.address}`;
  return null; // the unknown share the untrusted allowance only
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private untrusted: number[] = [];

  constructor(private readonly options: LimitOptions = LOGIN_LIMITS) {}

  /** May `client` try now? */
  check(client: LoginClient, nowMs: number = Date.now()): LimitVerdict {
    this.forgetOld(nowMs);
    const blockers: number[] = [];
    const key = keyOf(client);
    const mine = key ? (this.failures.get(key) ?? []) : [];
    if (mine.length >= this.options.perClient) blockers.push(mine[mine.length - this.options.perClient]);
    if (client.kind !== "device" && this.untrusted.length >= this.options.untrusted) {
      blockers.push(this.untrusted[this.untrusted.length - this.options.untrusted]);
    }
    if (blockers.length === 0) return { allowed: true };
    // Allowed again when the oldest failure that counts against the limit leaves the window.
    const until = Math.max(...blockers) + this.options.windowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - nowMs) / 1000)) };
  }

  recordFailure(client: LoginClient, nowMs: number = Date.now()): void {
    const key = keyOf(client);
    if (key) this.failures.set(key, [...(this.failures.get(key) ?? []), nowMs]);
    if (client.kind !== "device") this.untrusted.push(nowMs);
  }

  /** A successful login clears the client's own failures. */
  recordSuccess(client: LoginClient): void {
    const key = keyOf(client);
    if (key) this.failures.delete(key);
  }

  private forgetOld(nowMs: number): void {
    const cutoff = nowMs - this.options.windowMs;
    this.untrusted = this.untrusted.filter((at) => at > cutoff);
    for (const [key, times] of this.failures) {
      const kept = times.filter((at) => at > cutoff);
      if (kept.length) this.failures.set(key, kept);
      else this.failures.delete(key);
    }
  }
}

const globalForLimiter = globalThis as typeof globalThis & { __loginLimiter?: FailureLimiter };

/** The process-wide limiter (kept on globalThis so dev-mode reloads do not reset it). */
export function loginLimiter(): FailureLimiter {
  globalForLimiter.__loginLimiter ??= new FailureLimiter();
  return globalForLimiter.__loginLimiter;
}

/** Starts counting afresh (tests). */
export function resetLoginLimiter(): void {
  globalForLimiter.__loginLimiter = undefined;
}

/**
 * The client's address as the outermost of `trustedProxies` proxies saw it: each proxy appends the
 * address it received the request from to X-Forwarded-For, so that is the entry `trustedProxies`
 * from the right. Null without trusted proxies, or when the header has fewer entries than proxies.
 */
export function proxiedAddress(headers: Headers, trustedProxies: number): string | null {
  if (trustedProxies < 1) return null;
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const address = entries[entries.length - trustedProxies];
  return address && address.length <= 64 ? address.toLowerCase() : null;
}

export function loginClient(deviceId: string | null, headers: Headers, trustedProxies: number): LoginClient {
  if (deviceId) return { kind: "device", id: deviceId };
  const address = proxiedAddress(headers, trustedProxies);
  return address ? { kind: "address", address } : { kind: "unknown" };
}
