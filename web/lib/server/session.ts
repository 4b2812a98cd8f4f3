/**
 * Signed session cookies: `base64url(payload).base64url(HMAC-SHA256(secret, payload))`.
 * Web Crypto only, so the same code runs in the middleware (edge) and in route handlers (Node).
 * The payload carries its expiry; nothing else is needed since there is one operator password.
 */

export const SESSION_COOKIE = "assistant_session";
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;

interface SessionPayload {
  v: 1;
  iat: number; // seconds since the epoch
  exp: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

/** A new session token valid for `ttlSeconds` from `nowMs`. */
export async function createSessionToken(
  secret: string,
  nowMs: number = Date.now(),
  ttlSeconds: number = SESSION_TTL_SECONDS,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const payload: SessionPayload = { v: 1, iat, exp: iat + ttlSeconds };
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** True when `token` was signed with `secret` and has not expired at `nowMs`. */
export async function verifySessionToken(
  token: string | undefined,
  secret: string,
  nowMs: number = Date.now(),
): Promise<boolean> {
  if (!token || token.length > 512) return false;
  const parts = token.split(".");
  if (parts.length !== 2) return false;
  const [body, signaturePart] = parts;
  const signature = fromBase64Url(signaturePart);
  const bodyBytes = fromBase64Url(body);
  if (!signature || !bodyBytes) return false;
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(body));
  if (!valid) return false;
  try {
    const payload = JSON.parse(decoder.decode(bodyBytes)) as Partial<SessionPayload>;
    if (payload.v !== 1 || typeof payload.exp !== "number" || typeof payload.iat !== "number") return false;
    const now = Math.floor(nowMs / 1000);
    // A token from the future means a clock jump or a forgery attempt with a known secret: refuse it.
    return payload.exp > now && payload.iat <= now + 60;
  } catch {
    return false;
  }
}

/** Cookie attributes: HttpOnly (no script reads it), SameSite=Lax, Secure over https. */
export function sessionCookieOptions(secure: boolean, maxAge: number = SESSION_TTL_SECONDS) {
  return { httpOnly: true, sameSite: "lax" as const, secure, path: "/", maxAge };
}

/** Whether the request came over https, directly or through a proxy that says so. */
export function isHttps(url: string, forwardedProto: string | null): boolean {
  if (forwardedProto) return forwardedProto.split(",")[0].trim().toLowerCase() === "https";
  return url.startsWith("https:");
}
