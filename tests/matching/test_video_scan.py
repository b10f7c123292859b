"""Meta's sample videos through the whole scan path: bank one, scan the variants."""

import pytest
from tests.conftest import VIDEO_DIR

from shieldwall.banks import services as banks
from shieldwall.banks.kinds import BankAction
from shieldwall.core.actors import Actor
from shieldwall.matching.services import scan_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MATCHING = [
    "chair-19-sd-bar.mp4",
    "chair-20-sd-bar.mp4",
    "chair-22-sd-grey-bar.mp4",
    "chair-22-sd-sepia-bar.mp4",
    "chair-22-with-small-logo-bar.mp4",
]


@pytest.fixture
def chair_bank(actor: Actor) -> str:
    banks.create_bank(name="videos", actor=actor, action=BankAction.BLOCK)
    added = banks.add_media(
        bank_name="videos",
        data=(VIDEO_DIR / "chair-orig-22-sd-bar.mp4").read_bytes(),
        actor=actor,
    )
    assert added.added == 3  # md5, sha256, vpdq
    return "videos"


def test_chair_variants_match_and_others_do_not(chair_bank: str, actor: Actor) -> None:
    for name in MATCHING:
        verdict = scan_bytes(data=(VIDEO_DIR / name).read_bytes(), actor=actor)
        assert verdict.verdict == "block", name
        assert verdict.matches[0].signal_type == "vpdq"
    for name in ("chair-22-with-large-logo-bar.mp4", "doorknob-hd-no-bar.mp4"):
        verdict = scan_bytes(data=(VIDEO_DIR / name).read_bytes(), actor=actor)
        assert verdict.verdict == "allow", (name, verdict.matches)


def test_still_frame_of_banked_video_matches(chair_bank: str, actor: Actor) -> None:
    import io

    import av

    with av.open(str(VIDEO_DIR / "chair-20-sd-bar.mp4")) as container:
        for n, frame in enumerate(container.decode(video=0)):
            if n == 150:
                still = frame.to_image()
                break
    buf = io.BytesIO()
    still.save(buf, "JPEG", quality=85)
    verdict = scan_bytes(data=buf.getvalue(), actor=actor)
    assert verdict.verdict == "block"
    assert verdict.matches[0].signal_type == "vpdq"


def test_banked_clip_inside_a_longer_upload_matches(actor: Actor) -> None:
    banks.create_bank(name="clips", actor=actor, action=BankAction.REVIEW, video_query_pct=100)
    banks.add_media(
        bank_name="clips", data=(VIDEO_DIR / "chair-19-sd-bar.mp4").read_bytes(), actor=actor
    )
    verdict = scan_bytes(data=(VIDEO_DIR / "chair-orig-22-sd-bar.mp4").read_bytes(), actor=actor)
    assert verdict.verdict == "review"
    match = verdict.matches[0]
    assert match.bank_match_pct is not None
    assert match.bank_match_pct >= 80
