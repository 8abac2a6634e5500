// Bundles each entry point in src/ into build/civic/ (served as /static/civic/...), and copies axe-core for
// the accessibility checks of the browser tests.
import { build } from "esbuild";
import { copyFileSync, cpSync, mkdirSync } from "node:fs";


await build({
  entryPoints: [
    { in: "src/main.js", out: "main" },
    { in: "src/main.css", out: "main" },
    { in: "src/report_form.js", out: "report_form" },
    { in: "src/reports_page.js", out: "report_page" },
    { in: "src/reports.css", out: "reports" },
    { in: "src/reports_public_map.js", out: "reports_public_map" },
    { in: "src/reports_public_map.css", out: "reports_public_map" },
    { in: "src/consultations.css", out: "consultations" },
    { in: "src/consultations_rsvp.js", out: "consultations_rsvp" },
    { in: "src/consultations_admin.js", out: "consultations_admin" },
    { in: "src/triage_board.js", out: "triage_board" },
    { in: "src/triage_map.js", out: "triage_map" },
    { in: "src/triage.css", out: "triage" },
    { in: "src/live_session.js", out: "live_session" },
    { in: "src/live_session.css", out: "live_session" },
  ],
  outdir: "build/civic",
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: ["es2020", "safari14"],
  logLevel: "warning",
});

// Chart.js uses destructuring that esbuild cannot lower for Safari 14; the staff dashboard targets newer
// browsers only (staff use the city's managed browsers).
await build({
  entryPoints: [{ in: "src/triage_dashboard.js", out: "triage_dashboard" }],
  outdir: "build/civic",
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: ["es2020"],
  logLevel: "warning",
});

mkdirSync("build/civic/vendor", { recursive: true });
copyFileSync("node_modules/axe-core/axe.min.js", "build/civic/vendor/axe.min.js");

// Leaflet's stylesheet with the marker images it refers to, served beside the bundles.
mkdirSync("build/civic/vendor/leaflet", { recursive: true });
copyFileSync("node_modules/leaflet/dist/leaflet.css", "build/civic/vendor/leaflet/leaflet.css");
cpSync("node_modules/leaflet/dist/images", "build/civic/vendor/leaflet/images", { recursive: true });
