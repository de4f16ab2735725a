"""The GraphQL contract of mlflow server, for httpapi's /graphql.

Writes tests/reference/fixtures/graphql_schema.json: every type of the schema
mlflow server serves at /graphql (introspected in-process, no server needed),
with its kind and, per field or input field, the type reference and the
arguments. Field names, type names and nullability are the wire contract the
MLflow web UI and clients rely on; httpapi's test checks that Weir's schema
serves the same ones. Introspection types (__*) and built-in scalars are left
out. The output is sorted, so it is byte-for-byte deterministic.
"""
import json
import pathlib

from mlflow.server.graphql.graphql_schema_extensions import schema

OUT = pathlib.Path(__file__).parent / "fixtures" / "graphql_schema.json"
BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}


def ref(t):
    if t["kind"] == "NON_NULL":
        return ref(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return "[" + ref(t["ofType"]) + "]"
    return t["name"]


def main():
    result = schema.introspect()
    s = result["__schema"]
    types = {}
    for t in s["types"]:
        name = t["name"]
        if name.startswith("__") or name in BUILTIN:
            continue
        entry = {"kind": t["kind"]}
        if t["fields"]:
            entry["fields"] = {
                f["name"]: {
                    "type": ref(f["type"]),
                    "args": {a["name"]: ref(a["type"]) for a in f["args"]},
                }
                for f in t["fields"]
            }
        if t["inputFields"]:
            entry["inputFields"] = {f["name"]: ref(f["type"]) for f in t["inputFields"]}
        if t["enumValues"]:
            entry["enumValues"] = sorted(v["name"] for v in t["enumValues"])
        types[name] = entry
    out = {
        "queryType": s["queryType"]["name"],
        "mutationType": s["mutationType"]["name"],
        "directives": sorted(d["name"] for d in s["directives"]),
        "types": types,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
