"""Hostile media through the scan API and bank additions: refused with a code, in budget."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.hostile import huge_canvas_gif, many_frames_video
from tests.photos import jpeg, photo

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Invalid
from shieldwall.core.limits import decode_pool
from shieldwall.matching.services import scan_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (huge_canvas_gif, "too_many_decoded_pixels"),
        (lambda: many_frames_video(frames=3000, fps=1000), "frame_rate_too_high"),
    ],
    ids=["huge-canvas-gif", "many-frames-mp4"],
)
def test_hostile_media_is_refused_by_scan_and_bank_addition(
    api: Client, make: object, code: str
) -> None:
    data = make()  # type: ignore[operator]
    r = api.post("/api/v1/scan", {"media": SimpleUploadedFile("upload.gif", data)})
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["field"] == "media"
    api.post("/api/v1/banks", {"name": "b", "action": "block"}, content_type="application/json")
    r = api.post("/api/v1/banks/b/media", {"media": SimpleUploadedFile("x", data)})
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == code
    r = api.post("/api/v1/scan", {"media": SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))})
    assert r.status_code == 200
    assert r.json()["verdict"] == "allow"


def test_scans_are_decoded_in_a_child_process(actor: Actor) -> None:
    scan_bytes(data=jpeg(photo("rocket")), actor=actor)
    children = decode_pool().pids()
    assert children
    assert os.getpid() not in children


def test_the_services_cpu_limit_reaches_the_decoder(actor: Actor, settings: Any) -> None:
    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, decode_cpu_seconds=0.0)
    with pytest.raises(Invalid) as caught:
        scan_bytes(data=many_frames_video(frames=40, fps=10), actor=actor)
    assert caught.value.code == "decode_cpu_limit"
