/**
 * Limits failed login attempts: a few per client within a window, and a ceiling for all clients
 * together (client addresses can be spoofed through X-Forwarded-For, the ceiling cannot).
 * In memory: the dashboard is one process, and a restart forgetting the counts is harmless.
 */

export interface LimitOptions {
  perClient: number;
  overall: number;
  windowMs: number;
}

export const LOGIN_LIMITS: LimitOptions = { perClient: 5, overall: 50, windowMs: 15 * 60 * 1000 };

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private overall: number[] = [];

  constructor(private readonly options: LimitOptions = LOGIN_LIMITS) {}

  /** May `client` try now? */
  check(client: string, nowMs: number = Date.now()): LimitVerdict {
    this.forgetOld(nowMs);
    const mine = this.failures.get(client) ?? [];
    const blockers: number[] = [];
    if (mine.length >= this.options.perClient) blockers.push(mine[mine.length - this.options.perClient]);
    if (this.overall.length >= this.options.overall) {
      blockers.push(this.overall[this.overall.length - this.options.overall]);
    }
    if (blockers.length === 0) return { allowed: true };
    // Allowed again when the oldest failure that counts against the limit leaves the window.
    const until = Math.max(...blockers) + this.options.windowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - nowMs) / 1000)) };
  }

  recordFailure(client: string, nowMs: number = Date.now()): void {
    const mine = this.failures.get(client) ?? [];
    mine.push(nowMs);
    this.failures.set(client, mine);
    this.overall.push(nowMs);
  }

  /** A successful login clears the client's failures. */
  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  private forgetOld(nowMs: number): void {
    const cutoff = nowMs - this.options.windowMs;
    this.overall = this.overall.filter((at) => at > cutoff);
    for (const [client, times] of this.failures) {
      const kept = times.filter((at) => at > cutoff);
      if (kept.length) this.failures.set(client, kept);
      else this.failures.delete(client);
    }
  }
}

const globalForLimiter = globalThis as typeof globalThis & { __loginLimiter?: FailureLimiter };

/** The process-wide limiter (kept on globalThis so dev-mode reloads do not reset it). */
export function loginLimiter(): FailureLimiter {
  globalForLimiter.__loginLimiter ??= new FailureLimiter();
  return globalForLimiter.__loginLimiter;
}

/** The client's address as the proxy in front reports it, else a shared bucket. */
export function clientKey(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || "unknown";
}
