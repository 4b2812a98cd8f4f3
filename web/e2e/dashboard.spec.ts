import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

import { expect, test as base, type Browser, type Page } from "@playwright/test";

import type { DialogPage, ModelsReport, Summary, TopUsers } from "../lib/api/types";
import { formatDelta } from "../lib/delta";
import { formatInteger, formatMs, formatUsd, shortModelName } from "../lib/format";
import { overviewMetrics } from "../lib/overview";
import { readState, type StackState } from "./state";

const state: StackState = readState();
const SCREENSHOTS = join(dirname(__dirname), process.env.SCREENSHOT_DIR ?? "test-results/screenshots");

const test = base.extend({
  // Playwright fixtures take (fixtures, provide); the base URL is known only once the stack runs.
  baseURL: async ({}, provide) => provide(state.baseUrl),
});

// --- helpers -----------------------------------------------------------------------------------

/** Asks the stats API directly, as the test's source of truth. */
async function api<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const response = await fetch(`${state.apiUrl}/api/v1/${path}?${query}`, {
    headers: { Authorization: `Bearer ${state.apiToken}` },
  });
  expect(response.status, `stats API ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** Changes the world through the stack helper: a new message, the API stopped or restarted. */
async function control(path: string, body: object = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${state.controlUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  const result = (await response.json()) as Record<string, unknown>;
  expect(response.status, `control ${path}: ${JSON.stringify(result)}`).toBe(200);
  return result;
}

async function logIn(page: Page): Promise<void> {
  const response = await page.request.post("/api/auth/login", {
    form: { password: state.password, next: "/" },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(303);
}

/** Waits until nothing on the page is still loading, so a screenshot shows the real thing. */
async function settled(page: Page): Promise<void> {
  await expect(page.locator("[data-slot=skeleton]")).toHaveCount(0);
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "live");
}

/** A full-page screenshot; `extra` ones (not committed) always go to test-results. */
async function shoot(page: Page, name: string, extra = false): Promise<void> {
  const folder = extra ? join(dirname(__dirname), "test-results", "screenshots") : SCREENSHOTS;
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true, animations: "disabled" });
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${page.url()} is wider than the screen`).toBeLessThanOrEqual(0);
}

function minuteFloor(ms: number): Date {
  return new Date(Math.floor(ms / 60_000) * 60_000);
}

async function phonePage(browser: Browser, colorScheme: "light" | "dark"): Promise<Page> {
  const context = await browser.newContext({
    baseURL: state.baseUrl,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme,
    timezoneId: "UTC",
  });
  const page = await context.newPage();
  await logIn(page);
  return page;
}

// --- tests ---------------------------------------------------------------------------------------

test("asks for the password, refuses a wrong one, and lets the right one in", async ({ page, context }) => {
  await page.goto("/dialogs?range=7d");
  await expect(page).toHaveURL(/\/login\?next=%2Fdialogs%3Frange%3D7d$/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await shoot(page, "login");

  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("#login-error")).toHaveText("That password is not right.");

  await page.getByLabel("Password").fill(state.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dialogs\?range=7d$/);
  await expect(page.getByRole("heading", { name: "Dialogs" })).toBeVisible();

  const cookie = (await context.cookies()).find((c) => c.name === "assistant_session");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  expect(cookie?.expires ?? 0).toBeGreaterThan(Date.now() / 1000);

  // Logging out ends the session: the next page asks for the password again.
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/models");
  await expect(page).toHaveURL(/\/login\?next=%2Fmodels$/);
});

test("keeps every page and route behind the login, and the API token on the server", async ({ page, request }) => {
  for (const path of ["/", "/dialogs/4242", "/models", "/users"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(307);
    expect(response.headers().location, path).toContain("/login");
  }
  const unauthenticated = await request.get("/api/stats/summary", { maxRedirects: 0 });
  expect(unauthenticated.status()).toBe(401);

  await logIn(page);
  const seen: string[] = [];
  page.on("request", (r) => seen.push(r.url()));
  const bodies: string[] = [];
  page.on("response", async (r) => {
    if (r.url().startsWith(state.baseUrl)) bodies.push(await r.text().catch(() => ""));
  });
  await page.goto("/");
  await settled(page);
  // The browser only ever talks to the dashboard; the token never appears in what it receives.
  expect(seen.filter((url) => !url.startsWith(state.baseUrl) && !url.startsWith("data:"))).toEqual([]);
  expect(seen.some((url) => url.includes("/api/stats/summary"))).toBe(true);
  expect(bodies.length).toBeGreaterThan(3);
  for (const body of bodies) expect(body).not.toContain(state.apiToken);

  // The proxy refuses paths and parameters outside its allow-list.
  expect((await page.request.get("/api/stats/roles")).status()).toBe(404);
  expect((await page.request.get("/api/stats/summary?from=yesterday")).status()).toBe(400);
});

test("the overview shows the figures the stats API reports for the range", async ({ page }) => {
  const to = minuteFloor(Date.now());
  const from = new Date(to.getTime() - 24 * 3_600_000);
  const before = new Date(from.getTime() - 24 * 3_600_000);
  const [current, previous] = await Promise.all([
    api<Summary>("summary", { from: from.toISOString(), to: to.toISOString() }),
    api<Summary>("summary", { from: before.toISOString(), to: from.toISOString() }),
  ]);
  // The seeded data must make this meaningful: a test of zeros would prove little.
  expect(current.messages.incoming).toBeGreaterThan(50);
  expect(current.answers.by_fallback).toBeGreaterThan(0);

  await logIn(page);
  await page.goto(`/?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`);
  await settled(page);

  for (const metric of overviewMetrics(current, previous)) {
    const card = page.getByTestId(`metric-${metric.id}`);
    await expect(card.getByTestId("metric-value"), metric.label).toHaveText(metric.value);
    await expect(card.getByTestId("metric-detail"), metric.label).toHaveText(metric.detail);
    if (metric.delta.kind !== "none") {
      await expect(card.getByTestId("delta"), metric.label).toHaveText(formatDelta(metric.delta));
    }
  }
  // And against figures counted from the raw rows, without the API or the app's helpers.
  const truth = (await control("/truth", { from: from.toISOString(), to: to.toISOString() })) as {
    incoming: number;
    answers: number;
    by_fallback: number;
    latency_mean_ms: number;
  };
  const card = (id: string) => page.getByTestId(`metric-${id}`).getByTestId("metric-value");
  await expect(card("messages")).toHaveText(truth.incoming.toLocaleString("en-US"));
  const average = (await card("latency-mean").textContent()) ?? "";
  expect(average).toMatch(/^\d+(\.\d+)? s$/);
  expect(Math.abs(parseFloat(average) * 1000 - truth.latency_mean_ms)).toBeLessThanOrEqual(50);
  const share = parseFloat((await card("fallback-share").textContent()) ?? "");
  expect(Math.abs(share - (100 * truth.by_fallback) / truth.answers)).toBeLessThanOrEqual(0.05);

  // Every chart drew something, and the health panel lists the configured models.
  for (const chart of ["chart-activity", "chart-models", "chart-latency", "chart-failovers"]) {
    await expect(page.getByTestId(chart).locator("svg.recharts-surface").first()).toBeVisible();
  }
  const models = await api<ModelsReport>("models", { from: from.toISOString(), to: to.toISOString(), events: 0 });
  const rows = page.getByTestId("model-health-row");
  await expect(rows).toHaveCount(models.models.length);
  for (const model of models.models) {
    await expect(page.locator(`[data-testid=model-health-row][data-model="${model.model}"] [data-testid=breaker-state]`)).toHaveAttribute(
      "data-state",
      model.state,
    );
  }
  await expect(page.getByTestId("incident-chip")).toHaveCount(models.incidents.length);
});

test("screenshots of the overview: desktop and phone, light and dark", async ({ page, browser }) => {
  await logIn(page);
  await page.goto("/?range=7d");
  await settled(page);
  await shoot(page, "overview");
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.locator("html")).toHaveClass(/dark/);
  await shoot(page, "overview-dark");

  for (const scheme of ["light", "dark"] as const) {
    const phone = await phonePage(browser, scheme);
    await phone.goto("/?range=24h");
    await settled(phone);
    // Usable on a phone: nothing wider than the screen, and the menu opens the pages.
    await noSidewaysScroll(phone);
    await shoot(phone, `overview-phone${scheme === "dark" ? "-dark" : ""}`);
    if (scheme === "light") {
      for (const [link, path] of [["Dialogs", "dialogs"], ["Models", "models"], ["Users", "users"]] as const) {
        await phone.getByRole("button", { name: "Open menu" }).click();
        await phone.getByRole("link", { name: link }).click();
        await expect(phone).toHaveURL(new RegExp(`/${path}\\?range=24h$`));
        await settled(phone);
        await noSidewaysScroll(phone);
        await shoot(phone, `${path}-phone`, true);
      }
      await phone.goto(`/dialogs/${state.knownDialog.chat_id}`);
      await expect(phone.getByTestId("message").first()).toBeVisible();
      await noSidewaysScroll(phone);
      await shoot(phone, "dialog-phone", true);
    }
    await phone.context().close();
  }
});

test("the time range is in the URL and shared by every page", async ({ page }) => {
  await logIn(page);
  await page.goto("/");
  await expect(page.getByRole("button", { name: "24h" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "7d" }).click();
  await expect(page).toHaveURL(/\?range=7d$/);
  await expect(page.getByText("Last 7 days · compared with the previous 7 days")).toBeVisible();
  await page.getByRole("link", { name: "Users" }).first().click();
  await expect(page).toHaveURL(/\/users\?range=7d$/);
  await expect(page.getByRole("button", { name: "7d" })).toHaveAttribute("aria-pressed", "true");
  await page.reload();
  await expect(page.getByRole("button", { name: "7d" })).toHaveAttribute("aria-pressed", "true");
});

test("dialogs: search, sort, and a dialog as chat bubbles with the fallback marked", async ({ page }) => {
  const known = state.knownDialog;
  const name = `${known.user.first_name} ${known.user.last_name}`;
  await logIn(page);
  await page.goto("/dialogs");
  await settled(page);
  await expect(page.getByTestId("dialog-row").first()).toHaveAttribute("data-chat-id", String(known.chat_id));
  await shoot(page, "dialogs");

  // Sorted by the API over the whole list, not within a page: both pages match its order exactly.
  const to = new Date(minuteFloor(Date.now()).getTime() + 60_000);
  const range = { from: new Date(to.getTime() - 7 * 24 * 3_600_000).toISOString(), to: to.toISOString() };
  await page.goto(`/dialogs?${new URLSearchParams(range)}`);
  await settled(page);
  await page.getByRole("button", { name: "Messages" }).click();
  await expect(page).toHaveURL(/sort=messages\.desc/);
  const first = await api<DialogPage>("dialogs", { ...range, sort: "messages", order: "desc", limit: 25 });
  const second = await api<DialogPage>("dialogs", { ...range, sort: "messages", order: "desc", limit: 25, cursor: first.next_cursor ?? "" });
  const rows = page.getByTestId("dialog-row");
  const shownIds = () => rows.evaluateAll((all) => all.map((row) => Number(row.getAttribute("data-chat-id"))));
  await expect.poll(shownIds).toEqual(first.items.map((d) => d.chat_id));
  const totals = first.items.map((d) => d.messages_in + d.messages_out);
  expect(totals).toEqual([...totals].sort((a, b) => b - a));
  await page.getByRole("button", { name: "Next" }).click();
  await expect.poll(shownIds).toEqual(second.items.map((d) => d.chat_id));
  expect(second.items[0].messages_in + second.items[0].messages_out).toBeLessThanOrEqual(totals[totals.length - 1]);
  await page.goto("/dialogs");
  await settled(page);

  // Search by name, then by the text of a message.
  await page.getByLabel("Search dialogs by name, username, group title or id").fill(known.user.username);
  await expect(page.getByTestId("dialog-row")).toHaveCount(1);
  await expect(page.getByTestId("dialog-row")).toContainText(name);
  await page.getByLabel("Search dialogs by name, username, group title or id").fill("");
  await page.getByLabel("Search dialogs by message text").fill("Wi-Fi password");
  await expect(page.getByTestId("dialog-row")).toHaveCount(1);
  await expect(page).toHaveURL(/text=Wi-Fi\+password/);

  await page.getByTestId("dialog-row").first().click();
  await expect(page).toHaveURL(new RegExp(`/dialogs/${known.chat_id}`));
  await expect(page.getByTestId("dialog-header")).toContainText(name);
  const messages = page.getByTestId("message");
  await expect(messages).toHaveCount(known.exchanges.length * 2);
  for (const [i, exchange] of known.exchanges.entries()) {
    await expect(messages.nth(i * 2)).toHaveAttribute("data-direction", "in");
    await expect(messages.nth(i * 2)).toContainText(exchange.question);
    const answer = messages.nth(i * 2 + 1);
    await expect(answer).toHaveAttribute("data-direction", "out");
    await expect(answer).toContainText(exchange.answer);
    await expect(answer).toContainText(shortModelName(exchange.model));
    await expect(answer).toContainText(formatMs(exchange.latency_ms));
    await expect(answer).toContainText(formatUsd(exchange.cost_usd));
    await expect(answer.getByTestId("fallback-mark")).toHaveCount(exchange.is_fallback ? 1 : 0);
  }
  await settled(page);
  await shoot(page, "dialog");
});

test("new messages appear without a reload", async ({ page }) => {
  const chat = state.knownDialog.chat_id;
  await logIn(page);
  await page.goto(`/dialogs/${chat}`);
  await expect(page.getByTestId("message").first()).toBeVisible();
  // A marker that a reload would wipe.
  await page.evaluate(() => Object.assign(window, { __noReload: true }));

  const question = `Is the live refresh working? ${Date.now()}`;
  await control("/message", { text: question, answer: "Yes: this answer arrived while you watched." });
  await expect(page.getByText(question)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByText("Yes: this answer arrived while you watched.")).toBeVisible();

  // The overview's count moves too, to exactly what the API now reports.
  await page.getByRole("link", { name: "Overview" }).first().click();
  await page.getByRole("button", { name: "1h" }).click();
  await settled(page);
  const value = page.getByTestId("metric-messages").getByTestId("metric-value");
  const before = Number((await value.textContent())?.replace(/,/g, ""));
  await control("/message", { text: `One more ${Date.now()}` });
  await expect(value).toHaveText(formatInteger(before + 1), { timeout: 10_000 });
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
});

test("models and users pages show what the API reports", async ({ page }) => {
  const to = minuteFloor(Date.now());
  const from = new Date(to.getTime() - 7 * 24 * 3_600_000);
  const range = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  const [models, users] = await Promise.all([
    api<ModelsReport>("models", { from: from.toISOString(), to: to.toISOString(), events: 200 }),
    api<TopUsers>("users/top", { from: from.toISOString(), to: to.toISOString(), limit: 15 }),
  ]);
  await logIn(page);

  await page.goto(`/models?${range}`);
  await settled(page);
  await expect(page.getByTestId("model-card")).toHaveCount(models.models.length);
  for (const model of models.models) {
    const card = page.locator(`[data-testid=model-card][data-model="${model.model}"]`);
    await expect(card.getByTestId("breaker-state")).toHaveAttribute("data-state", model.state);
    await expect(card).toContainText(formatInteger(model.calls));
    await expect(card.getByTestId("breaker-timeline").locator("[data-state]").first()).toBeVisible();
  }
  expect(models.incidents.length).toBeGreaterThan(0);
  await expect(page.getByTestId("incidents").locator("tbody tr")).toHaveCount(models.incidents.length);

  await page.goto(`/models?range=24h`);
  await settled(page);
  await shoot(page, "models");

  await page.goto(`/users?${range}`);
  await settled(page);
  const byMessages = page.getByTestId("top-by-messages").getByTestId("top-user");
  await expect(byMessages).toHaveCount(users.by_messages.length);
  for (const [i, usage] of users.by_messages.slice(0, 3).entries()) {
    await expect(byMessages.nth(i)).toHaveAttribute("data-user-id", String(usage.user.id));
    await expect(byMessages.nth(i).getByTestId("top-user-value")).toHaveText(formatInteger(usage.messages_in));
  }
  const byCost = page.getByTestId("top-by-cost").getByTestId("top-user");
  await expect(byCost.first()).toHaveAttribute("data-user-id", String(users.by_cost[0].user.id));
  await expect(byCost.first().getByTestId("top-user-value")).toHaveText(formatUsd(users.by_cost[0].cost_usd));
  await page.goto(`/users?range=7d`);
  await settled(page);
  await shoot(page, "users");
});

test("a banner says when the stats API is down or refuses the token, and leaves when it is back", async ({ page }) => {
  await logIn(page);
  await page.goto("/?range=24h");
  await settled(page);
  const messages = await page.getByTestId("metric-messages").getByTestId("metric-value").textContent();
  const banner = page.getByTestId("api-status-banner");
  await expect(banner).toHaveCount(0);

  try {
    await control("/api/stop");
    await expect(banner).toHaveAttribute("data-kind", "unreachable");
    await expect(banner).toContainText("The stats API is unreachable");
    await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "offline");
    // The last figures stay on screen: an outage is not a blank page.
    await expect(page.getByTestId("metric-messages").getByTestId("metric-value")).toHaveText(messages ?? "");
    await shoot(page, "api-down");

    // A page opened during the outage says so too, instead of loading forever.
    await page.goto("/dialogs");
    await expect(banner).toHaveAttribute("data-kind", "unreachable");
    await expect(page.getByText("Figures unavailable")).toBeVisible();

    await control("/api/start", { token: "not-the-dashboards-token" });
    await expect(banner).toHaveAttribute("data-kind", "unauthorized");
    await expect(banner).toContainText("STATS_API_TOKEN");
  } finally {
    await control("/api/start");
  }
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId("dialog-row").first()).toBeVisible();
});

test("a fresh install shows empty states, not a blank page", async ({ page }) => {
  await logIn(page);
  try {
    await control("/api/start", { database: "empty" });
    await page.goto("/");
    await expect(page.getByTestId("fresh-install")).toContainText("No messages yet");
    await expect(page.getByTestId("metric-messages").getByTestId("metric-value")).toHaveText("0");
    await expect(page.getByTestId("chart-activity")).toContainText("No activity in this range");
    await page.goto("/dialogs");
    await expect(page.getByText("No dialogs in this range")).toBeVisible();
    await page.goto("/users");
    await expect(page.getByText("Nobody in this range")).toHaveCount(2);
  } finally {
    await control("/api/start");
  }
});

test("the server refuses to start without its password and session secret", async () => {
  const child = spawn(process.execPath, [state.serverJs], {
    cwd: dirname(state.serverJs),
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", HOSTNAME: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1" },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 20_000);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  expect(code, output).toBe(1);
  expect(output).toContain("DASHBOARD_PASSWORD is not set");
  expect(output).toContain("DASHBOARD_SESSION_SECRET is not set");
});
