/**
 * Starts the real stack for the browser tests, and returns the function that stops it:
 *   1. web/e2e/stack.py (uv run): PostgreSQL (DATABASE_URL or embedded), two fresh migrated
 *      databases (one seeded, one empty), the stats API, and a control API for the tests;
 *   2. this dashboard's production server (.next/standalone/server.js) on a free port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

import { CHROMIUM } from "../playwright.config";
import { STATE_FILE, type StackState } from "./state";

const WEB = dirname(__dirname);
const ROOT = dirname(WEB);
const SERVER_JS = join(WEB, ".next", "standalone", "server.js");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function prefixed(stream: NodeJS.ReadableStream | null, label: string) {
  if (!stream) return;
  createInterface({ input: stream }).on("line", (line) => process.stderr.write(`[${label}] ${line}\n`));
}

/** The first line the stack helper prints: its JSON report, once everything is up. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      clearTimeout(timer);
      lines.on("line", (more) => process.stderr.write(`[stack] ${more}\n`));
      resolve(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack helper exited with ${code} before it was ready (see [stack] lines above)`));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the dashboard server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

function stopProcess(child: ChildProcess | undefined, graceful: () => void, timeoutMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    graceful();
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  if (!existsSync(SERVER_JS)) {
    throw new Error("No production build: run `npm run build` in web/ first (it writes .next/standalone).");
  }
  if (!existsSync(join(WEB, ".next", "standalone", ".next", "static"))) {
    throw new Error("The standalone build lacks its static files: run `npm run build` (its postbuild copies them).");
  }

  let stack: ChildProcess | undefined;
  let web: ChildProcess | undefined;
  const stop = async () => {
    await stopProcess(web, () => web?.kill("SIGTERM"), 10_000);
    // Closing its stdin tells the helper to stop the API, drop the databases and stop PostgreSQL.
    await stopProcess(stack, () => stack?.stdin?.end(), 30_000);
  };
  const onExit = () => {
    web?.kill("SIGKILL");
    stack?.kill("SIGTERM");
  };
  process.once("exit", onExit);

  try {
    const started = Date.now();
    stack = spawn("uv", ["run", "--quiet", "python", "web/e2e/stack.py"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    prefixed(stack.stderr, "stack");
    const ready = JSON.parse(await firstLine(stack, 180_000)) as {
      api_url: string;
      api_token: string;
      control_url: string;
      known_dialog: StackState["knownDialog"];
    };

    const port = await freePort();
    const password = randomBytes(12).toString("base64url");
    web = spawn(process.execPath, [SERVER_JS], {
      cwd: dirname(SERVER_JS),
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(port),
        HOSTNAME: "127.0.0.1",
        STATS_API_URL: ready.api_url,
        STATS_API_TOKEN: ready.api_token,
        DASHBOARD_PASSWORD: password,
        DASHBOARD_SESSION_SECRET: randomBytes(32).toString("base64url"),
        // Faster than the default 5 s, so the live-refresh tests wait less.
        DASHBOARD_REFRESH_SECONDS: "1",
      },
    });
    prefixed(web.stdout, "web");
    prefixed(web.stderr, "web");
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/login`, web, 30_000);

    const state: StackState = {
      baseUrl,
      password,
      apiUrl: ready.api_url,
      apiToken: ready.api_token,
      controlUrl: ready.control_url,
      serverJs: SERVER_JS,
      knownDialog: ready.known_dialog,
    };
    mkdirSync(dirname(STATE_FILE), { recursive: true });
    writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    process.stderr.write(`[e2e] stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${baseUrl}\n`);
  } catch (error) {
    await stop();
    throw error;
  }

  return async () => {
    await stop();
    process.removeListener("exit", onExit);
  };
}
