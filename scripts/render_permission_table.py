#!/usr/bin/env python3
"""Renders the route permission table (src/server/api/route_permissions.cc) into
docs/security.md "Permission table".

  render_permission_table.py [--check] [REPO_ROOT]

--check: change nothing; exit 1 with a message when the document is out of date (a CTest test
runs this, so the document cannot drift from the code).
"""
import pathlib
import re
import sys

HEADER = "| method | route | needs | note |\n|---|---|---|---|\n"
ROW = re.compile(r'\{M::k(\w+), "([^"]+)", S::k(\w+), "([^"]*)"\},(?:[ \t]*//[ \t]*(.*))?')


def render(source):
    rows = []
    for method, pattern, scope, permission, note in ROW.findall(source):
        needs = {
            "Public": "none (public)",
            "Authenticated": "any authenticated caller",
            "Global": f"`{permission}` on `*`",
            "Dataset": f"`{permission}` on the dataset",
            "SelfOr": f"the caller itself, or `{permission}`",
        }[scope]
        rows.append(f"| {method.upper()} | `{pattern}` | {needs} | {note.strip()} |")
    return "\n".join(rows)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = pathlib.Path(args[0]) if args else pathlib.Path(__file__).resolve().parent.parent
    source = (root / "src/server/api/route_permissions.cc").read_text()
    doc_path = root / "docs/security.md"
    doc = doc_path.read_text()
    start = doc.index(HEADER) + len(HEADER)
    end = doc.index("\n\n", start)
    updated = doc[:start] + render(source) + doc[end:]
    if updated == doc:
        return 0
    if check:
        print("docs/security.md: the permission table is out of date; run "
              "scripts/render_permission_table.py", file=sys.stderr)
        return 1
    doc_path.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
