import { defineConfig } from "@playwright/test";

/**
 * Browser tests against the real stack: PostgreSQL with seeded data, the stats API and this
 * dashboard's production server, all started by e2e/global-setup.ts on free ports. Chromium is
 * the system's (Debian's); Playwright never downloads a browser here.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // One stack, shared: the tests run in order, and the last ones stop and restart the API.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"]],
  outputDir: "test-results/playwright",
  globalSetup: "./e2e/global-setup.ts",
  use: {
    browserName: "chromium",
    viewport: { width: 1440, height: 1000 },
    locale: "en-US",
    timezoneId: "UTC",
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    },
  },
});
