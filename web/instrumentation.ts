/**
 * Runs once when the server starts: without its password or session secret the dashboard
 * refuses to start at all, and says which variable to set.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads this file too; the build needs no secrets.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { readConfig, describeProblems } = await import("./lib/server/config");
  const result = readConfig();
  if (!result.ok) {
    console.error(describeProblems(result.problems));
    process.exit(1);
  }
}
