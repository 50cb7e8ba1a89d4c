#!/usr/bin/python3
"""Compiles docs/openapi.yaml into a C++ source that serves it as JSON and YAML.

Usage: embed_openapi.py SPEC.yaml OUT.cc
Fails (and so fails the build) when the YAML does not parse or is not OpenAPI 3.1.
"""
import json
import sys

import yaml


def literal(text: str) -> str:
    # Raw string pieces of at most 16 KB each keep every compiler happy.
    delimiter = "strata_spec"
    assert f"){delimiter}\"" not in text
    chunks = [text[i:i + 16000] for i in range(0, len(text), 16000)] or [""]
    return "\n".join(f'R"{delimiter}({chunk}){delimiter}"' for chunk in chunks)


def main() -> int:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        text = f.read()
    spec = yaml.safe_load(text)
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.1"):
        print(f"{source}: not an OpenAPI 3.1 document", file=sys.stderr)
        return 1
    as_json = json.dumps(spec, separators=(",", ":"), ensure_ascii=False, default=str)
    with open(target, "w", encoding="utf-8") as out:
        out.write("// Generated from docs/openapi.yaml by scripts/embed_openapi.py. Do not edit.\n")
        out.write('#include "server/api/openapi_spec.h"\n\n')
        out.write("namespace strata::server {\n\n")
        out.write(f"std::string_view OpenApiJson() {{\n  static const char kJson[] =\n{literal(as_json)};\n")
        out.write("  return {kJson, sizeof(kJson) - 1};\n}\n\n")
        out.write(f"std::string_view OpenApiYaml() {{\n  static const char kYaml[] =\n{literal(text)};\n")
        out.write("  return {kYaml, sizeof(kYaml) - 1};\n}\n\n")
        out.write("}  // namespace strata::server\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
