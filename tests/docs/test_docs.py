"""The README and docs point only at files that are in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Where a path written in the docs may be relative to: the repository, or a package root.
BASES = [ROOT, ROOT / "src", ROOT / "src" / "shieldwall", ROOT / "src" / "microblog"]
CODE = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
FILE_LIKE = re.compile(r"^[\w.][\w./-]*\.(md|py|json|lock|toml|ini|html|js|css|txt)$|/$")


def _paths(text: str) -> list[str]:
    found = [*CODE.findall(text), *LINK.findall(text)]
    return [
        p
        for p in found
        if p.startswith("../")
        or (
            "/" in p
            and FILE_LIKE.search(p)
            and "://" not in p
            and "<" not in p
            and not p.startswith(("/", "$", "~", "#", "..."))
        )
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_a_doc_names_is_in_the_repository(doc: Path) -> None:
    missing = []
    for written in _paths(doc.read_text()):
        candidates = [(base / written).resolve() for base in [doc.parent, *BASES]]
        inside = [c for c in candidates if c.is_relative_to(ROOT)]
        if not any(c.exists() for c in inside):
            missing.append(written)
    assert missing == [], f"{doc.name} points at files not in the repository: {missing}"


def test_the_readme_points_at_the_architecture() -> None:
    assert "docs/architecture.md" in (ROOT / "README.md").read_text()
