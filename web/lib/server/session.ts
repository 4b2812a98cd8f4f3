/**
 * Signed cookies: `base64url(payload).base64url(HMAC-SHA256(secret, payload))`.
 * Web Crypto only, so the same code runs in the middleware (edge) and in route handlers (Node).
 * The payload carries its kind and expiry; nothing else is needed since there is one operator
 * password. Two kinds, never interchangeable:
 *   - a session (7 days) opens the dashboard;
 *   - a device cookie (a year, sent to the login route only) marks a browser that logged in
 *     before, so the login's rate limit can tell it from the rest of the internet.
 */

export const SESSION_COOKIE = "assistant_session";
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
export const DEVICE_COOKIE = "assistant_device";
export const DEVICE_TTL_SECONDS = 365 * 24 * 60 * 60;
export const LOGIN_PATH = "/api/auth/login";

type Kind = "session" | "device";

interface Payload {
  v: 1;
  kind: Kind;
  iat: number; // seconds since the epoch
  exp: number;
  /** Device cookies only: a random id the rate limit counts that browser's failures under. */
  id?: string;
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

async function sign(secret: string, payload: Payload): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The payload of a token of `kind` signed with `secret` and not expired at `nowMs`, else null. */
async function verify(token: string | undefined, secret: string, kind: Kind, nowMs: number): Promise<Payload | null> {
  if (!token || token.length > 512) return null;
  const parts = token.split(".");
  if (parts.length !== 2) return null;
  const [body, signaturePart] = parts;
  const signature = fromBase64Url(signaturePart);
  const bodyBytes = fromBase64Url(body);
  if (!signature || !bodyBytes) return null;
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(body));
  if (!valid) return null;
  try {
    const payload = JSON.parse(decoder.decode(bodyBytes)) as Partial<Payload>;
    if (payload.v !== 1 || payload.kind !== kind || typeof payload.exp !== "number" || typeof payload.iat !== "number") {
      return null;
    }
    const now = Math.floor(nowMs / 1000);
    // A token from the future means a clock jump or a forgery attempt with a known secret: refuse it.
    return payload.exp > now && payload.iat <= now + 60 ? (payload as Payload) : null;
  } catch {
    return null;
  }
}

/** A new session token valid for `ttlSeconds` from `nowMs`. */
export async function createSessionToken(
  secret: string,
  nowMs: number = Date.now(),
  ttlSeconds: number = SESSION_TTL_SECONDS,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return sign(secret, { v: 1, kind: "session", iat, exp: iat + ttlSeconds });
}

/** True when `token` is a session signed with `secret` that has not expired at `nowMs`. */
export async function verifySessionToken(
  token: string | undefined,
  secret: string,
  nowMs: number = Date.now(),
): Promise<boolean> {
  return (await verify(token, secret, "session", nowMs)) !== null;
}

/** A device token for the browser `id` (a new random one by default). */
export async function createDeviceToken(
  secret: string,
  id: string = toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
  nowMs: number = Date.now(),
  ttlSeconds: number = DEVICE_TTL_SECONDS,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return sign(secret, { v: 1, kind: "device", id, iat, exp: iat + ttlSeconds });
}

/** The browser id of a valid device token, else null. */
export async function verifyDeviceToken(
  token: string | undefined,
  secret: string,
  nowMs: number = Date.now(),
): Promise<string | null> {
  const payload = await verify(token, secret, "device", nowMs);
  return payload && typeof payload.id === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(payload.id) ? payload.id : null;
}

/** Cookie attributes: HttpOnly (no script reads it), SameSite=Lax, Secure over https. */
export function sessionCookieOptions(secure: boolean, maxAge: number = SESSION_TTL_SECONDS) {
  return { httpOnly: true, sameSite: "lax" as const, secure, path: "/", maxAge };
}

/** The device cookie: sent to the login route only, and never to another site. */
export function deviceCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: "strict" as const, secure, path: LOGIN_PATH, maxAge: DEVICE_TTL_SECONDS };
}

/** Whether the request came over https, directly or through a proxy that says so. */
export function isHttps(url: string, forwardedProto: string | null): boolean {
  if (forwardedProto) return forwardedProto.split(",")[0].trim().toLowerCase() === "https";
  return url.startsWith("https:");
}
