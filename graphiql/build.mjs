// Builds GraphiQL and the token bar into ../api/assets/graphiql/ (graphiql.js, graphiql.css,
// index.html), minified for production. The output is committed, so `cargo build` needs no Node.

import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here("../api/assets/graphiql/");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await esbuild.build({
  entryPoints: { graphiql: here("src/main.jsx") },
  outdir: out,
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2022", "chrome111", "firefox115", "safari16"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "eof",
  charset: "utf8",
  logLevel: "info",
});
await copyFile(here("index.html"), `${out}index.html`);
