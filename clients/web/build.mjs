// Bundles the dashboard into dist/: one script, the page and its style sheet. The SDK is the
// built clients/js (`make js`), taken from the checkout rather than installed, so the dashboard
// always speaks the contracts of the same commit; its own dependencies resolve from clients/js.
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));

await mkdir(`${here}dist`, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: ["src/main.ts"],
  outfile: "dist/app.js",
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  alias: { "@quantis/client/web": "../js/dist/web.js" },
  logLevel: "warning",
});
await copyFile(`${here}src/index.html`, `${here}dist/index.html`);
await copyFile(`${here}src/style.css`, `${here}dist/style.css`);
