"""Python's gql 4 client against the service.

    tests/clients/.venv/bin/python tests/clients/gql_client.py <base-url> <token>

The part between the README markers is the README's "Python (gql)" snippet, word for word (the
first step checks they agree). The client fetches the schema by introspection before its first
query and checks every query against it, so a query that does not fit the schema is refused
before it is sent.
"""

import base64
import json
import re
import sys
from pathlib import Path

SCRIPT = "gql_client.py"
README = Path(__file__).resolve().parent.parent.parent / "README.md"
failures = 0

if len(sys.argv) < 3:
    print(f'usage: python {SCRIPT} <base-url> <token>   (e.g. http://127.0.0.1:8080 "$TOKEN")')
    sys.exit(2)


def step(name, fn):
    """Runs one named step; a step that raises is a failure, and the script goes on."""
    global failures
    try:
        detail = fn()
        print(f"ok    {name}{': ' + detail if detail else ''}", flush=True)
    except Exception as err:  # noqa: BLE001 (any failure of a step is reported, not raised)
        failures += 1
        print(f"FAIL  {name}: {type(err).__name__}: {err}", flush=True)


def fail_snippet(kind, err, tb):
    print(f"FAIL  the README's Python (gql) snippet: {kind.__name__}: {err}", flush=True)
    sys.__excepthook__(kind, err, tb)


def readme_snippet():
    """The python block under the README's "Python (gql)" heading."""
    lines = README.read_text(encoding="utf-8").split("\n")
    # Headings, not the comments inside code blocks: (line number, level, title).
    headings, fenced = [], False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^(#+) (.*)$", line)):
            headings.append((i, len(m.group(1)), m.group(2).strip()))
    found = [(i, level) for i, level, title in headings if title == "Python (gql)"]
    if not found:
        raise AssertionError('the README has no "Python (gql)" section')
    start, level = found[0]
    end = next((i for i, lv, _ in headings if i > start and lv <= level), len(lines))
    section = "\n".join(lines[start + 1 : end])
    blocks = re.findall(r"^```python[^\n]*\n(.*?)^```", section, re.S | re.M)
    if len(blocks) != 1:
        raise AssertionError(f'the README\'s "Python (gql)" section has {len(blocks)} python blocks, not 1')
    return blocks[0]


def marked_region():
    lines = Path(__file__).read_text(encoding="utf-8").split("\n")
    begin = lines.index("# README: begin")
    end = lines.index("# README: end")
    return "\n".join(lines[begin + 1 : end])


def same_code(a, b):
    def norm(s):
        return "\n".join(line.rstrip() for line in s.split("\n")).strip()

    return norm(a) == norm(b)


def check_readme():
    if not same_code(readme_snippet(), marked_region()):
        raise AssertionError("the README's snippet and this script's marked code differ")


step("the README's Python (gql) snippet is this script's code", check_readme)
sys.excepthook = fail_snippet

# README: begin
import sys

from gql import Client, gql
from gql.transport.requests import RequestsHTTPTransport

base_url, token = sys.argv[1:3]  # http://127.0.0.1:8080 "$TOKEN"

transport = RequestsHTTPTransport(
    url=f"{base_url}/graphql",
    headers={"Authorization": f"Bearer {token}"},
)
# Fetches the schema by introspection first, and checks every query against it.
client = Client(transport=transport, fetch_schema_from_transport=True)

result = client.execute(gql("query Me { me { sub role } }"))
print(result)
# README: end

sys.excepthook = sys.__excepthook__
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def check_me():
    me = result["me"]
    assert me["sub"] == claims["sub"], f"me.sub is {me['sub']}, the token's sub is {claims['sub']}"
    assert me["role"] == claims["role"].upper(), f"me.role is {me['role']}, the token's role is {claims['role']}"
    return json.dumps(me)


def check_schema():
    schema = client.schema
    assert schema is not None, "the client has no schema"
    assert schema.get_type("Grant") is not None, "the fetched schema has no type Grant"
    assert "createReport" in schema.mutation_type.fields, "the fetched schema has no createReport"
    return f"{len([t for t in schema.type_map if not t.startswith('__')])} types fetched by introspection"


def check_variables():
    query = gql("query Grants($first: Int) { grants(first: $first) { totalCount edges { node { reference } } } }")
    query.variable_values = {"first": 5}
    grants = client.execute(query)["grants"]
    assert isinstance(grants["totalCount"], int), f"grants: {grants}"
    return f"totalCount {grants['totalCount']}"


def check_refused_locally():
    from graphql import GraphQLError

    try:
        client.execute(gql("query Nope { me { notAField } }"))
    except GraphQLError as err:
        return f"refused before sending: {err.message}"
    raise AssertionError("a query that does not fit the schema was not refused")


step("the snippet's query answers who the token is", check_me)
step("the schema was fetched from the service", check_schema)
step("a query with variables", check_variables)
step("a query that does not fit the schema is refused by the client", check_refused_locally)

if failures:
    print(f"{SCRIPT}: {failures} step(s) failed")
    sys.exit(1)
print(f"{SCRIPT}: all steps passed")
