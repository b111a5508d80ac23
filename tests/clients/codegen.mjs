// GraphQL Code Generator (typescript + typescript-operations) against the service: the schema
// loaded from its URL with the token, the documents the README's ```graphql blocks.
//
//   node codegen.mjs <base-url> <token>
//
// Generation validates every README operation against the live schema, so a README query
// that no longer fits the schema fails here. The custom scalars are all strings on the wire
// (Date "2024-12-06", DateTime RFC 3339, Decimal "90000.00", UUID), so they are mapped to
// `string`; JSON (an audit event's before/after) to `unknown`. `strictScalars` makes a
// custom scalar the mapping does not name an error.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { generate } from "@graphql-codegen/cli";

import { args, assert, finish, readmeBlocks, step } from "./lib.mjs";

const SCRIPT = "codegen.mjs";
const { baseUrl, token } = args(SCRIPT);

const SCALARS = { Date: "string", DateTime: "string", Decimal: "string", UUID: "string", JSON: "unknown" };

const work = mkdtempSync(join(tmpdir(), "portfolio-codegen-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const documents = join(work, "documents");
const output = join(work, "generated", "graphql.ts");

await step("the README's ```graphql blocks, one .graphql file each", () => {
  const blocks = readmeBlocks("graphql");
  assert(blocks.length > 0, "the README has no ```graphql block");
  mkdirSync(documents);
  blocks.forEach((block, i) => writeFileSync(join(documents, `readme-${String(i + 1).padStart(2, "0")}.graphql`), block));
  return `${blocks.length} documents`;
});

const generated = await step("graphql-codegen typescript + typescript-operations, schema from the URL", async () => {
  await generate(
    {
      // Plugins are looked up from here (this project's node_modules).
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      schema: [{ [`${baseUrl}/graphql`]: { headers: { Authorization: `Bearer ${token}` } } }],
      documents: [join(documents, "*.graphql")],
      generates: {
        [output]: {
          plugins: ["typescript", "typescript-operations"],
          config: { scalars: SCALARS, strictScalars: true, enumsAsTypes: true },
        },
      },
      silent: true,
      errorsOnly: true,
    },
    true,
  );
  const lines = readFileSync(output, "utf8").split("\n").length;
  return `${lines} lines of TypeScript`;
});

if (generated) {
  await step("custom scalars are typed as strings", () => {
    const code = readFileSync(output, "utf8");
    for (const [name, type] of Object.entries(SCALARS)) {
      const line = new RegExp(`^\\s*${name}: \\{ input: ${type}; output: ${type}; \\}`, "m");
      assert(line.test(code), `the generated Scalars do not map ${name} to ${type}`);
    }
    return Object.keys(SCALARS).join(", ");
  });
  await step("every README operation has its types", () => {
    const code = readFileSync(output, "utf8");
    const operations = [...code.matchAll(/^export type (\w+(?:Query|Mutation)) = /gm)].map((m) => m[1]);
    assert(operations.length > 0, "no operation types were generated");
    return operations.join(", ");
  });
}

finish(SCRIPT);
