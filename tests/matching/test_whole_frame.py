"""Media banked from its bytes keeps the whole frame beside the border-trimmed hash, so a
picture on a dark uniform background matches its own half-size copy."""

from __future__ import annotations

import pytest
from PIL import Image
from tests.photos import jpeg, photo

from shieldwall.banks import services as banks
from shieldwall.banks.models import BankEntry
from shieldwall.core.actors import Actor
from shieldwall.matching.services import scan_bytes
from shieldwall.media import hamming, hash_bytes

pytestmark = pytest.mark.django_db


def _on_dark_canvas(name: str) -> Image.Image:
    """A sample photo taking half of each side of a near-black canvas, above its middle."""
    picture = photo(name)
    w, h = picture.size
    canvas = Image.new("RGB", (w * 2, h * 2), (8, 8, 8))
    canvas.paste(picture, (w // 2, h // 3))
    return canvas


def _half(img: Image.Image) -> Image.Image:
    return img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS)


@pytest.mark.parametrize("name", ["chelsea", "coins"])
def test_trimming_alone_would_miss_the_half_size_copy(name: str) -> None:
    banked = hash_bytes(jpeg(_on_dark_canvas(name)))
    small = hash_bytes(jpeg(_half(_on_dark_canvas(name))))
    queries = [*small.pdq_dihedral, *small.pdq_untrimmed, *small.pdq_stripped]
    assert banked.pdq is not None
    assert min(hamming(q, banked.pdq) for q in queries) > 31


@pytest.mark.parametrize("name", ["chelsea", "coins"])
def test_a_picture_on_a_dark_background_matches_its_half_size_copy(actor: Actor, name: str) -> None:
    banks.create_bank(name="b", actor=actor, action="block")
    banks.add_media(bank_name="b", data=jpeg(_on_dark_canvas(name)), actor=actor)
    verdict = scan_bytes(data=jpeg(_half(_on_dark_canvas(name))), actor=actor)
    assert verdict.verdict == "block"
    whole = BankEntry.objects.get(note__startswith="near copy (whole frame)")
    assert verdict.matches[0].variant_of == whole.variant_of_id


def test_the_whole_frame_is_a_variant_left_out_of_exports(actor: Actor) -> None:
    banks.create_bank(name="b", actor=actor, action="block")
    banks.add_media(bank_name="b", data=jpeg(_on_dark_canvas("chelsea")), actor=actor)
    whole = BankEntry.objects.get(note__startswith="near copy (whole frame)")
    exported = "".join(banks.export_csv(bank_name="b", actor=actor))
    assert whole.variant_of is not None
    assert whole.value not in exported
    assert whole.variant_of.value in exported


def test_media_without_borders_banks_no_whole_frame_copy(actor: Actor) -> None:
    banks.create_bank(name="b", actor=actor, action="block")
    banks.add_media(bank_name="b", data=jpeg(photo("chelsea")), actor=actor)
    assert not BankEntry.objects.filter(note__startswith="near copy (whole frame)").exists()
