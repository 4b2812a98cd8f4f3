import { NextResponse, type NextRequest } from "next/server";

import { requestHasSession, requireConfig } from "@/lib/server/auth";
import { callStatsApi, resolveTarget } from "@/lib/server/stats-proxy";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * `/api/stats/<path>` → the stats API's `/api/v1/<path>`, for allowed paths and parameters only,
 * with the bearer token added here: the browser never sees it.
 */
export async function GET(request: NextRequest, context: { params: Promise<{ path: string[] }> }) {
  if (!(await requestHasSession(request))) {
    return NextResponse.json({ error: "session", detail: "log in to the dashboard first" }, { status: 401 });
  }
  const config = requireConfig();
  const { path } = await context.params;
  const target = resolveTarget(path, request.nextUrl.searchParams);
  if (!target.ok) return NextResponse.json(target.body, { status: target.status, headers: NO_STORE });
  const result = await callStatsApi(target, { baseUrl: config.statsApiUrl, token: config.statsApiToken });
  return NextResponse.json(result.body, { status: result.status, headers: NO_STORE });
}
