// Bundles each entry point in src/ into build/civic/ (served as /static/civic/...), and copies axe-core for
// the accessibility checks of the browser tests.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";


await build({
  entryPoints: [
    { in: "src/main.js", out: "main" },
    { in: "src/main.css", out: "main" },
  ],
  outdir: "build/civic",
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: ["es2020", "safari14"],
  logLevel: "warning",
});

mkdirSync("build/civic/vendor", { recursive: true });
copyFileSync("node_modules/axe-core/axe.min.js", "build/civic/vendor/axe.min.js");
