import { NextResponse, type NextRequest } from "next/server";

import { describeProblems, readConfig } from "@/lib/server/config";
import { SESSION_COOKIE, verifySessionToken } from "@/lib/server/session";

/** Reachable without a session: the login page and the form it posts to. */
const PUBLIC_PATHS = new Set(["/login", "/api/auth/login"]);

/**
 * Every page and route needs a valid session cookie: pages redirect to the login, routes answer
 * 401. Without its password or session secret the dashboard serves nothing but the reason.
 */
export async function middleware(request: NextRequest) {
  const result = readConfig();
  if (!result.ok) {
    return new NextResponse(describeProblems(result.problems), {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  const { pathname, search } = request.nextUrl;
  const signedIn = await verifySessionToken(request.cookies.get(SESSION_COOKIE)?.value, result.config.sessionSecret);

  if (PUBLIC_PATHS.has(pathname)) {
    // Already signed in: the login page has nothing to offer.
    if (signedIn && pathname === "/login") return NextResponse.redirect(new URL("/", request.url));
    return NextResponse.next();
  }
  if (signedIn) return NextResponse.next();

  if (pathname.startsWith("/api/")) {
    return NextResponse.json({ error: "session", detail: "log in to the dashboard first" }, { status: 401 });
  }
  const login = new URL("/login", request.url);
  if (pathname !== "/") login.searchParams.set("next", pathname + search);
  else if (search) login.searchParams.set("next", `/${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Everything but Next's own static files and the icon.
  matcher: ["/((?!_next/static|_next/image|icon.svg|favicon.ico).*)"],
};
