// Introspection as the clients people use send it, and the depth limit still binding ordinary
// queries.
//
//   node introspection.mjs <base-url> <token>
//
// 1. graphql-js 16's getIntrospectionQuery with every option it has for what this server
//    serves, and buildClientSchema on the answer (what codegen, IDE plugins and most tools do);
// 2. the query GraphiQL 4 (the page at GET /graphql) sends, as its fetcher sends it;
// 3. the plain getIntrospectionQuery() of Apollo tooling (rover, Apollo Sandbox, apollo-cli);
// 4. a deep ordinary query, refused (400 to a client that takes application/graphql-response+json);
// 5. what Relay needs to refetch any object: the Node interface, node(id:) and nodes(ids:).

import { buildClientSchema, getIntrospectionQuery, isInterfaceType, parse, printSchema, validate } from "graphql";

import { args, assert, finish, post, show, step } from "./lib.mjs";

const SCRIPT = "introspection.mjs";
const { baseUrl, token } = args(SCRIPT);
const url = `${baseUrl}/graphql`;

/** The answer must be data with `__schema` and no errors; returns the client schema. */
function schemaFrom(response) {
  const { status, body } = response;
  assert(status === 200, `HTTP ${status}: ${show(body)}`);
  assert(typeof body === "object" && body !== null, `not JSON: ${show(body)}`);
  assert(!body.errors, `errors: ${show(body.errors)}`);
  assert(body.data?.__schema, `no data.__schema: ${show(body)}`);
  return buildClientSchema(body.data);
}

function describe(schema) {
  const types = Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith("__"));
  const query = schema.getQueryType();
  assert(query?.getFields().me, "the schema has no Query.me");
  assert(schema.getMutationType()?.getFields().createReport, "the schema has no Mutation.createReport");
  return `${types.length} types, ${Object.keys(query.getFields()).length} query fields, ${
    Object.keys(schema.getMutationType().getFields()).length
  } mutations`;
}

// 1. graphql-js 16 with every option.
const fullOptions = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};
let clientSchema;
await step("graphql-js getIntrospectionQuery(all options) + buildClientSchema", async () => {
  const response = await post(url, token, {
    query: getIntrospectionQuery(fullOptions),
    operationName: "IntrospectionQuery",
  });
  const schema = schemaFrom(response);
  clientSchema = schema;
  const sdl = printSchema(schema);
  assert(sdl.includes("type Grant"), "the printed schema has no type Grant");
  // Each custom scalar says, with @specifiedBy, what its strings are.
  const scalars = ["Date", "DateTime", "Decimal", "UUID"].map((name) => {
    const url = schema.getType(name)?.specifiedByURL;
    assert(url, `the scalar ${name} has no specifiedByURL`);
    return `${name} @specifiedBy(${url})`;
  });
  return `${describe(schema)}; scalars ${scalars.join(", ")}`;
});

// 2. GraphiQL 4: @graphiql/react's generateIntrospectionQuery with GraphiQL's defaults
// (inputValueDeprecation and schemaDescription off), POSTed by @graphiql/toolkit's simple
// fetcher with operationName "IntrospectionQuery"; if the answer has no `data` it retries
// without `subscriptionType { name }`, so that retry is checked too.
const graphiqlQuery = getIntrospectionQuery({ inputValueDeprecation: false, schemaDescription: false });
await step("GraphiQL 4 introspection", async () => {
  const response = await post(url, token, { query: graphiqlQuery, operationName: "IntrospectionQuery" });
  return describe(schemaFrom(response));
});
await step("GraphiQL 4 introspection, without subscriptionType (its retry)", async () => {
  const response = await post(url, token, {
    query: graphiqlQuery.replace("subscriptionType { name }", ""),
    operationName: "IntrospectionQuery",
  });
  return describe(schemaFrom(response));
});

// 3. Apollo tooling: the plain query, as rover and Apollo Sandbox send it.
await step("Apollo (rover/Sandbox) plain getIntrospectionQuery()", async () => {
  const response = await post(url, token, { query: getIntrospectionQuery() });
  return describe(schemaFrom(response));
});

// 4. A deep ordinary query is still refused: grants > edges > node, then
// reports > activities > grant five times over, and the id: 19 levels, past the limit of 12.
// Refused before it runs, it is 400 with no data to a client that accepts
// application/graphql-response+json, and a 200 with errors to one that takes application/json.
function deepQuery(rounds) {
  let inner = "id";
  for (let i = 0; i < rounds; i += 1) inner = `reports { activities { grant { ${inner} } } }`;
  return `query TooDeep { grants(first: 1) { edges { node { ${inner} } } } }`;
}
await step("a deep ordinary query (19 levels) is refused", async () => {
  const query = deepQuery(5);
  if (clientSchema) {
    // Valid against the schema, so the refusal can only be the limit.
    const problems = validate(clientSchema, parse(query));
    assert(problems.length === 0, `the deep query does not fit the schema: ${problems.map(String).join("; ")}`);
  }
  const answers = [];
  for (const accept of ["application/graphql-response+json", "application/json"]) {
    const { status, contentType, body } = await post(url, token, { query, operationName: "TooDeep" }, { accept });
    assert(typeof body === "object" && body !== null, `HTTP ${status}, not JSON: ${show(body)}`);
    assert(Array.isArray(body.errors) && body.errors.length > 0, `no error (HTTP ${status}): ${show(body)}`);
    assert(!body.data?.grants, `it ran: ${show(body)}`);
    const error = body.errors[0];
    const text = `${error.message} ${error.extensions?.code ?? ""}`;
    assert(/deep|depth|COST_LIMIT|complex/i.test(text), `refused for another reason: ${show(body.errors)}`);
    assert(contentType?.startsWith(accept), `asked for ${accept}, answered ${contentType}`);
    if (accept === "application/graphql-response+json") {
      assert(status === 400, `HTTP ${status} for a request refused before it ran, as ${accept}`);
      assert(!("data" in body), `a refused request answered with data: ${show(body)}`);
    }
    answers.push(`${accept}: ${status}`);
  }
  const { body } = await post(url, token, { query, operationName: "TooDeep" });
  return `"${body.errors[0].message}" (${body.errors[0].extensions?.code ?? "no code"}); ${answers.join(", ")}`;
});

// 5. Relay's Global Object Identification: `interface Node { id: ID! }`,
// `node(id: ID!): Node` and `nodes(ids: [ID!]!): [Node]!` on Query, and an object read back by
// its id, as a Relay refetch does.
await step("Relay: interface Node { id: ID! }, Query.node(id: ID!): Node, Query.nodes(ids: [ID!]!)", () => {
  assert(clientSchema, "no schema to look at (the first step failed)");
  const node = clientSchema.getType("Node");
  assert(isInterfaceType(node), "the schema has no interface Node");
  assert(String(node.getFields().id?.type) === "ID!", `Node.id is ${node.getFields().id?.type}, Relay needs ID!`);
  const fields = clientSchema.getQueryType().getFields();
  const arg = (field, name) => String(field?.args.find((a) => a.name === name)?.type);
  assert(fields.node && String(fields.node.type) === "Node", `Query.node is ${fields.node?.type ?? "missing"}`);
  assert(arg(fields.node, "id") === "ID!", `Query.node's id is ${arg(fields.node, "id")}, Relay needs ID!`);
  assert(fields.nodes && /^\[Node!?\]!?$/.test(String(fields.nodes.type)), `Query.nodes is ${fields.nodes?.type ?? "missing"}`);
  assert(arg(fields.nodes, "ids") === "[ID!]!", `Query.nodes's ids is ${arg(fields.nodes, "ids")}`);
  const objects = clientSchema.getImplementations(node).objects.map((o) => o.name);
  assert(objects.includes("Grant") && objects.includes("Report"), `Node is implemented by ${objects.join(", ")}`);
  return `Node implemented by ${objects.join(", ")}`;
});
await step("Relay refetch: a grant read back with node(id:) and nodes(ids:)", async () => {
  const page = await post(url, token, { query: "query FirstGrant { grants(first: 1) { edges { node { id reference } } } }" });
  const grant = page.body?.data?.grants?.edges?.[0]?.node;
  assert(grant, `no grant to refetch: ${show(page.body)}`);
  const query = `query Refetch($id: ID!) {
    node(id: $id) { __typename id ... on Grant { reference } }
    nodes(ids: [$id]) { __typename id }
  }`;
  const { body } = await post(url, token, { query, variables: { id: grant.id }, operationName: "Refetch" });
  assert(!body?.errors, `errors: ${show(body?.errors)}`);
  assert(body.data.node?.__typename === "Grant" && body.data.node.id === grant.id, `node: ${show(body.data)}`);
  assert(body.data.node.reference === grant.reference, `node(id:) is another grant: ${show(body.data)}`);
  assert(body.data.nodes?.[0]?.id === grant.id, `nodes: ${show(body.data)}`);
  return `${grant.reference} (${grant.id})`;
});

finish(SCRIPT);
