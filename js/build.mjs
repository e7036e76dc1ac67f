// Bundles each anywidget entry point into ../perceptinb/static/<name>.js (+ <name>.css when the
// entry imports CSS). Add a widget by adding a line to ENTRIES. `node build.mjs --watch` rebuilds
// on change.
import * as esbuild from "esbuild";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(here, "..", "perceptinb", "static");
const MAX_BYTES = 300 * 1024; // anywidget syncs _esm with every widget instance

/** output name -> entry module */
const ENTRIES = {
  canvas: "src/canvas/index.ts",
  dashboard: "src/dashboard/index.ts",
  hub: "src/hub/index.ts",
  compare: "src/compare/index.ts",
  sweep: "src/sweep/index.ts",
};

const options = {
  absWorkingDir: here,
  entryPoints: ENTRIES,
  outdir: OUT_DIR,
  entryNames: "[name]",
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "info",
  metafile: true,
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external));
  if (imports.length) throw new Error(`bundle has external imports: ${imports.map((i) => i.path).join(", ")}`);
  for (const name of Object.keys(ENTRIES)) {
    const size = statSync(join(OUT_DIR, `${name}.js`)).size;
    if (size > MAX_BYTES) throw new Error(`${name}.js is ${size} bytes, over the ${MAX_BYTES} byte budget`);
  }
}
