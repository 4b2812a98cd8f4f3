import { NextResponse, type NextRequest } from "next/server";

import { SESSION_COOKIE, isHttps, sessionCookieOptions } from "@/lib/server/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Ends the session: the cookie is replaced by an expired one. */
export async function POST(request: NextRequest) {
  const response = new NextResponse(null, { status: 303, headers: { Location: "/login" } });
  const secure = isHttps(request.url, request.headers.get("x-forwarded-proto"));
  response.cookies.set(SESSION_COOKIE, "", sessionCookieOptions(secure, 0));
  return response;
}
