import { NextResponse, type NextRequest } from "next/server";

import { requireConfig } from "@/lib/server/auth";
import { passwordMatches } from "@/lib/server/password";
import { loginClient, loginLimiter } from "@/lib/server/rate-limit";
import { safeNextPath } from "@/lib/server/redirect";
import {
  DEVICE_COOKIE,
  SESSION_COOKIE,
  createDeviceToken,
  createSessionToken,
  deviceCookieOptions,
  isHttps,
  sessionCookieOptions,
  verifyDeviceToken,
} from "@/lib/server/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A redirect with a relative Location, so it works behind any proxy and host name. */
function seeOther(location: string, extraHeaders: Record<string, string> = {}): NextResponse {
  return new NextResponse(null, { status: 303, headers: { Location: location, ...extraHeaders } });
}

function loginPage(error: string, next: string, retryAfter?: number): string {
  const params = new URLSearchParams({ error });
  if (next !== "/") params.set("next", next);
  if (retryAfter) params.set("retry", String(retryAfter));
  return `/login?${params}`;
}

/**
 * The login form posts here: a right password gets a signed session cookie, and a device cookie
 * that keeps this browser out of the limit the rest of the internet shares (see rate-limit.ts).
 */
export async function POST(request: NextRequest) {
  const config = requireConfig();
  let password = "";
  let next = "/";
  try {
    const form = await request.formData();
    password = String(form.get("password") ?? "");
    next = safeNextPath(String(form.get("next") ?? "/"));
  } catch {
    return seeOther(loginPage("invalid", "/"));
  }

  const device = await verifyDeviceToken(request.cookies.get(DEVICE_COOKIE)?.value, config.sessionSecret);
  const client = loginClient(device, request.headers, config.trustedProxies);
  const limiter = loginLimiter();
  const verdict = limiter.check(client);
  if (!verdict.allowed) {
    return seeOther(loginPage("rate", next, verdict.retryAfterSeconds), {
      "Retry-After": String(verdict.retryAfterSeconds),
    });
  }
  if (!passwordMatches(password, config.password)) {
    limiter.recordFailure(client);
    return seeOther(loginPage("invalid", next));
  }
  limiter.recordSuccess(client);

  const response = seeOther(next);
  const secure = isHttps(request.url, request.headers.get("x-forwarded-proto"));
  response.cookies.set(SESSION_COOKIE, await createSessionToken(config.sessionSecret), sessionCookieOptions(secure));
  const deviceToken = await createDeviceToken(config.sessionSecret, device ?? undefined);
  response.cookies.set(DEVICE_COOKIE, deviceToken, deviceCookieOptions(secure));
  return response;
}
