"""Writes a stricter test copy of openapi.json for Prism (scripts/contract.sh).

The copy differs in two ways, both only tightening what Prism checks:
- every object schema gets `additionalProperties: false`, so a field the spec
  does not know (a typo in the SDK's request body, or an undocumented field in
  the mock Hub's response) is a violation instead of passing silently;
- the `apiKey` scheme in header `Authorization` becomes `http` `bearer`, so
  Prism checks the `Bearer <token>` form, not only that the header is there.

Usage: strict_spec.py IN OUT
"""

import json
import sys


def tighten(node):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            tighten(value)
    elif isinstance(node, list):
        for value in node:
            tighten(value)


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        spec = json.load(f)
    tighten(spec.get("components", {}).get("schemas", {}))
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for name, scheme in schemes.items():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name", "").lower() == "authorization":
            schemes[name] = {"type": "http", "scheme": "bearer", "description": scheme.get("description", "")}
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: strict_spec.py IN OUT")
    main(sys.argv[1], sys.argv[2])
