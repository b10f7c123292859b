"""Write the committed OpenAPI document, or check that it is up to date (`--check`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def render() -> str:
    """The API's OpenAPI document as stable, pretty JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
    import django

    django.setup()
    from shieldwall.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """`python -m shieldwall.openapi [--check] PATH`."""
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if len(paths) != 1:
        print("usage: python -m shieldwall.openapi [--check] PATH", file=sys.stderr)
        return 1
    target = Path(paths[0])
    text = render()
    if check:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is out of date: run `make openapi` and commit it.", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
