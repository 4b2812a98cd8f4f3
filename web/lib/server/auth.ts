import { cookies } from "next/headers";
import type { NextRequest } from "next/server";

import { readConfig, type DashboardConfig } from "@/lib/server/config";
import { SESSION_COOKIE, verifySessionToken } from "@/lib/server/session";

/** The configuration, or an error naming what to set (the middleware answers before this can throw). */
export function requireConfig(): DashboardConfig {
  const result = readConfig();
  if (!result.ok) throw new Error(result.problems.join(" "));
  return result.config;
}

/** Whether the page being rendered has a valid session cookie (checked again behind the middleware). */
export async function hasSession(): Promise<boolean> {
  const config = requireConfig();
  const store = await cookies();
  return verifySessionToken(store.get(SESSION_COOKIE)?.value, config.sessionSecret);
}

/** Whether a route handler's request has a valid session cookie (checked again behind the middleware). */
export async function requestHasSession(request: NextRequest): Promise<boolean> {
  return verifySessionToken(request.cookies.get(SESSION_COOKIE)?.value, requireConfig().sessionSecret);
}
