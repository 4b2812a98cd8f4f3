// @vitest-environment node
import { describe, expect, it } from "vitest";

import { callStatsApi, resolveTarget } from "@/lib/server/stats-proxy";

const params = (query: string) => new URLSearchParams(query);

describe("resolveTarget", () => {
  it("lets the dashboard's own requests through", () => {
    expect(resolveTarget(["summary"], params("from=2026-01-30T12:00:00.000Z&to=2026-01-31T12:00:00Z"))).toMatchObject({
      ok: true,
      path: "summary",
    });
    expect(resolveTarget(["timeseries"], params("bucket=hour&tz=Europe/Moscow"))).toMatchObject({ ok: true });
    expect(resolveTarget(["timeseries"], params("tz=America/Argentina/Buenos_Aires"))).toMatchObject({ ok: true });
    expect(resolveTarget(["dialogs"], params("limit=25&q=anna&text=router&cursor=MjAyNi0wMS0zMXw0Mg"))).toMatchObject({ ok: true });
    expect(
      resolveTarget(["dialogs"], params("from=2026-01-30T12:00:00Z&to=2026-01-31T12:00:00Z&sort=cost&order=asc")),
    ).toMatchObject({ ok: true });
    expect(resolveTarget(["dialogs", "-1001234", "messages"], params("limit=50"))).toMatchObject({
      ok: true,
      path: "dialogs/-1001234/messages",
    });
    expect(resolveTarget(["users", "top"], params("limit=15"))).toMatchObject({ ok: true });
    expect(resolveTarget(["models"], params("events=200"))).toMatchObject({ ok: true });
  });

  it.each([
    [["roles"], ""],
    [["openapi.json"], ""],
    [["..", "metrics"], ""],
    [["dialogs", "abc", "messages"], ""],
    [["dialogs", "1", "messages", "x"], ""],
    [["summary", ""], ""],
  ])("refuses the path %j", (segments, query) => {
    expect(resolveTarget(segments, params(query))).toMatchObject({ ok: false, status: 404 });
  });

  it.each([
    ["summary", "from=yesterday"],
    ["summary", "from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z"],
    ["summary", "limit=5"],
    ["timeseries", "bucket=week"],
    ["timeseries", "tz=../../etc/passwd"],
    ["dialogs", "limit=0"],
    ["dialogs", "limit=201"],
    ["dialogs", "q=" + "a".repeat(101)],
    ["dialogs", "q=a%00b"],
    ["dialogs", "cursor=not a cursor"],
    ["dialogs", "sort=name"],
    ["dialogs", "order=sideways"],
    ["models", "events=-1"],
  ])("refuses %s?%s before it reaches the API", (path, query) => {
    const target = resolveTarget([path], params(query));
    expect(target).toMatchObject({ ok: false, status: 400, body: { error: "invalid" } });
  });
});

function fakeFetch(status: number, body: unknown, seen: { url?: string; headers?: HeadersInit } = {}): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    seen.url = String(url);
    seen.headers = init?.headers;
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
}

const target = { path: "summary", query: params("from=2026-01-30T12:00:00Z") };

describe("callStatsApi", () => {
  it("adds the token on the server side and passes the answer on", async () => {
    const seen: { url?: string; headers?: HeadersInit } = {};
    const result = await callStatsApi(target, { baseUrl: "http://api:8000", token: "secret", fetchImpl: fakeFetch(200, { ok: 1 }, seen) });
    expect(result).toEqual({ status: 200, body: { ok: 1 } });
    expect(seen.url).toBe("http://api:8000/api/v1/summary?from=2026-01-30T12%3A00%3A00Z");
    expect(seen.headers).toMatchObject({ Authorization: "Bearer secret" });
  });

  it("says when the API refuses the token, without echoing it", async () => {
    const result = await callStatsApi(target, { baseUrl: "http://api:8000", token: "secret", fetchImpl: fakeFetch(401, { detail: "missing or wrong bearer token" }) });
    expect(result.status).toBe(502);
    expect(result.body).toMatchObject({ error: "unauthorized" });
    expect(JSON.stringify(result.body)).not.toContain("secret");
  });

  it("says when the API is unreachable", async () => {
    const refused = (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch;
    const result = await callStatsApi(target, { baseUrl: "http://api:8000", token: "", fetchImpl: refused });
    expect(result).toEqual({ status: 502, body: { error: "unreachable", detail: "cannot reach the stats API at http://api:8000" } });
  });

  it("says when the API does not answer in time", async () => {
    const slow = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as unknown as typeof fetch;
    const result = await callStatsApi(target, { baseUrl: "http://api:8000", token: "", fetchImpl: slow, timeoutMs: 20 });
    expect(result.body).toMatchObject({ error: "unreachable", detail: expect.stringContaining("in time") });
  });

  it("passes on the database being down, validation errors and missing dialogs", async () => {
    const run = (status: number, body: unknown) =>
      callStatsApi(target, { baseUrl: "http://api:8000", token: "", fetchImpl: fakeFetch(status, body) });
    expect(await run(503, { detail: "database unavailable" })).toEqual({
      status: 503,
      body: { error: "unavailable", detail: "database unavailable" },
    });
    expect(await run(422, { detail: [{ loc: ["query", "bucket"], msg: "minute buckets are available for ranges up to 2 days" }] })).toEqual({
      status: 400,
      body: { error: "invalid", detail: "minute buckets are available for ranges up to 2 days" },
    });
    expect(await run(404, { detail: "no chat 5" })).toEqual({ status: 404, body: { error: "not_found", detail: "no chat 5" } });
    expect((await run(500, "Internal Server Error")).body).toMatchObject({ error: "upstream" });
    expect((await run(200, "<html>")).body).toMatchObject({ error: "upstream" });
  });
});
