// PostGraphile 4 over the portfolio tables, configured as a team would deploy it to serve the
// same dashboards read-only: no watch mode, no GraphiQL, no mutations, one pool of
// POOL_SIZE connections (10, like the service's default), plain lists beside connections, and
// the connection-filter plugin for date ranges. `portfolio-bench compare` starts it.
//
//   DATABASE_URL=postgres://... PORT=5678 node server.js

"use strict";

const http = require("http");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT);
if (!databaseUrl || !Number.isInteger(port) || port <= 0) {
  console.error("usage: DATABASE_URL=postgres://... PORT=<port> node server.js");
  process.exit(2);
}

const pool = new Pool({
  connectionString: databaseUrl,
  max: Number(process.env.POOL_SIZE || 10),
});

const middleware = postgraphile(pool, "public", {
  watchPg: false,
  graphiql: false,
  enhanceGraphiql: false,
  disableDefaultMutations: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  simpleCollections: "both",
  legacyRelations: "omit",
  ignoreRBAC: false,
  disableQueryLog: true,
  showErrorStack: false,
  retryOnInitFail: false,
  appendPlugins: [ConnectionFilterPlugin],
  graphileBuildOptions: {
    connectionFilterRelations: false,
    connectionFilterComputedColumns: false,
    connectionFilterSetofFunctions: false,
    connectionFilterAllowNullInput: false,
  },
});

const server = http.createServer(middleware);
server.listen(port, "127.0.0.1", () => {
  console.log(`PostGraphile listening on http://127.0.0.1:${port}/graphql`);
});

function stop() {
  server.close(() => pool.end().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
