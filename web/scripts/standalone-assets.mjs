// `next build` with output "standalone" leaves the static assets out of .next/standalone;
// copy them in so `npm start` (node .next/standalone/server.js) and the container serve them.
import { cpSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const standalone = join(web, ".next", "standalone");
if (!existsSync(standalone)) {
  console.error("no .next/standalone: is output: 'standalone' set in next.config.ts?");
  process.exit(1);
}
for (const [from, to] of [
  [join(web, ".next", "static"), join(standalone, ".next", "static")],
  [join(web, "public"), join(standalone, "public")],
]) {
  rmSync(to, { recursive: true, force: true });
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
console.log("copied static assets into .next/standalone");
