// Generates lib/api/schema.d.ts from the stats API's OpenAPI schema, or checks that it is up to date.
//   node scripts/api-types.mjs          write the file
//   node scripts/api-types.mjs --check  fail (exit 1) if the API's schema changed since it was written
// The schema comes from the Python app itself (web/scripts/openapi.py), so no server or database is needed.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(web);
const target = join(web, "lib", "api", "schema.d.ts");

const schemaJson = execFileSync("uv", ["run", "--quiet", "python", "web/scripts/openapi.py"], {
  cwd: root,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const ast = await openapiTS(JSON.parse(schemaJson));
const header =
  "// Generated from the stats API's OpenAPI schema by `npm run gen:api`. Do not edit by hand.\n\n";
const generated = header + astToString(ast);

if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== generated) {
    console.error(
      "lib/api/schema.d.ts is out of date with the stats API (api/schemas.py changed).\n" +
        "Run `npm run gen:api` in web/, then fix what `npm run typecheck` reports.",
    );
    process.exit(1);
  }
  console.log("lib/api/schema.d.ts matches the stats API's schema.");
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
}
