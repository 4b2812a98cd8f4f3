/**
 * The dashboard server's configuration, from its environment only. None of it is sent to the
 * browser: the stats-API token and the session secret stay on this server.
 */

export interface DashboardConfig {
  password: string;
  sessionSecret: string;
  statsApiUrl: string;
  /** Empty when the stats API runs open (STATS_API_ALLOW_OPEN on a loopback address). */
  statsApiToken: string;
  refreshSeconds: number;
  /** Reverse proxies in front that append the client's address to X-Forwarded-For (0: none, ignore it). */
  trustedProxies: number;
}

export type ConfigResult = { ok: true; config: DashboardConfig } | { ok: false; problems: string[] };

export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_STATS_API_URL = "http://127.0.0.1:8000";
export const DEFAULT_REFRESH_SECONDS = 5;

type Env = Record<string, string | undefined>;

/** Reads and checks the environment; `problems` says, variable by variable, what to set. */
export function readConfig(env: Env = process.env): ConfigResult {
  const problems: string[] = [];
  const password = env.DASHBOARD_PASSWORD?.trim() ?? "";
  const sessionSecret = env.DASHBOARD_SESSION_SECRET?.trim() ?? "";
  if (!password) problems.push("DASHBOARD_PASSWORD is not set: set it to the password operators log in with.");
  if (!sessionSecret) {
    problems.push(
      `DASHBOARD_SESSION_SECRET is not set: set it to ${MIN_SECRET_LENGTH}+ random characters (it signs the session cookies).`,
    );
  } else if (sessionSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `DASHBOARD_SESSION_SECRET is too short (${sessionSecret.length} characters): use at least ${MIN_SECRET_LENGTH} random characters.`,
    );
  }

  const rawUrl = env.STATS_API_URL?.trim() || DEFAULT_STATS_API_URL;
  let statsApiUrl = rawUrl.replace(/\/+$/, "");
  try {
    const url = new URL(rawUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
  } catch {
    problems.push(`STATS_API_URL is not an http(s) URL: ${JSON.stringify(rawUrl)}.`);
    statsApiUrl = DEFAULT_STATS_API_URL;
  }

  const rawRefresh = env.DASHBOARD_REFRESH_SECONDS?.trim();
  let refreshSeconds = DEFAULT_REFRESH_SECONDS;
  if (rawRefresh) {
    const parsed = Number(rawRefresh);
    if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 3600) {
      problems.push(`DASHBOARD_REFRESH_SECONDS must be a number of seconds above 0, not ${JSON.stringify(rawRefresh)}.`);
    } else {
      refreshSeconds = parsed;
    }
  }

  const rawProxies = env.DASHBOARD_TRUSTED_PROXIES?.trim();
  let trustedProxies = 0;
  if (rawProxies) {
    if (!/^\d{1,2}$/.test(rawProxies) || Number(rawProxies) > 10) {
      problems.push(
        `DASHBOARD_TRUSTED_PROXIES must be the number of reverse proxies in front of the dashboard (0 to 10), not ${JSON.stringify(rawProxies)}.`,
      );
    } else {
      trustedProxies = Number(rawProxies);
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      password,
      sessionSecret,
      statsApiUrl,
      statsApiToken: env.STATS_API_TOKEN?.trim() ?? "",
      refreshSeconds,
      trustedProxies,
    },
  };
}

/** The message the server gives when it cannot serve. */
export function describeProblems(problems: string[]): string {
  return ["The dashboard cannot start until its configuration is fixed:", ...problems.map((p) => `  - ${p}`)].join(
    "\n",
  );
}
