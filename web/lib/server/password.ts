import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares a login attempt with the configured password in constant time. Both are hashed
 * first so the comparison does not depend on (or reveal) the password's length.
 */
export function passwordMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}
