"""The demo's welcome prints the logins and bank the demo hands it, and the queue it finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldwall.demo import ADMIN, BANK, MICROBLOG_USER, MODERATOR
from shieldwall.demo_stories import stories


@pytest.mark.django_db
def test_the_welcome_names_the_demos_logins_and_bank(tmp_path: Path) -> None:
    seeded = "report: r1 post p42 placeholder\n"
    text = stories(
        sw_url="http://127.0.0.1:8000",
        mb_url="http://127.0.0.1:8001",
        known_dir=tmp_path,
        logs=tmp_path / "logs",
        seeded=seeded,
        logins=(MICROBLOG_USER, MODERATOR, ADMIN),
        bank=BANK,
    )
    for user, password in (MICROBLOG_USER, MODERATOR, ADMIN):
        assert f"{user} / {password}" in text
    assert f'bank "{BANK}"' in text
    assert "http://127.0.0.1:8001/p/p42" in text  # the first reported post, from the seed
    assert "(empty: the reports did not reach Shieldwall" in text  # no case filed yet
