"""The decoding budget of one media item: frames, pixels, frame rate, wall-clock and CPU time.

A small file can ask for a great deal of decoding (a GIF of 1 x 1 patches on a huge canvas,
an MP4 of countless tiny frames), so the work is counted across all frames of the item,
first from what the file declares (refused before any pixel is decoded) and then frame by
frame as the decoder produces them (a header can lie).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from shieldwall.media.errors import MediaError
from shieldwall.media.limits import MediaLimits

Kind = Literal["video", "animation"]

# The clocks are read every this many frames (and on every large frame): cheap, and soon
# enough, since a frame that costs much is checked at once.
_CLOCK_EVERY = 16
_LARGE_FRAME = 1_000_000


@dataclass
class DecodeBudget:
    """Counts the frames and pixels of one item against its limits, and the time spent."""

    limits: MediaLimits
    kind: Kind = "video"
    started: float = field(default_factory=time.monotonic)
    cpu_started: float = field(default_factory=time.process_time)
    frames: int = 0
    pixels: int = 0
    horizon: float = 0.0  # the latest media second seen

    @property
    def max_pixels(self) -> int:
        """The total pixel budget of this kind of media."""
        if self.kind == "animation":
            return self.limits.max_animation_pixels
        return self.limits.max_video_pixels

    def check_declared(
        self,
        *,
        frames: int | None,
        width: int,
        height: int,
        duration: float | None,
        at_least: bool = False,
    ) -> None:
        """Refuse, before decoding, what the file itself says would pass a bound.

        `at_least` says that `frames` is where counting stopped, not the whole count.
        """
        if not frames or frames <= 0:
            return
        limits = self.limits
        count = f"{'at least ' if at_least else ''}{frames:,}"
        if frames > limits.max_video_frames:
            raise MediaError(
                "too_many_frames",
                f"The {self.noun} has {count} frames; the limit is {limits.max_video_frames:,}.",
            )
        if frames * width * height > self.max_pixels:
            raise MediaError(
                "too_many_decoded_pixels",
                f"The {self.noun} has {count} frames of {width} x {height}, more than the "
                f"limit of {self.max_pixels:,} pixels to decode in all.",
            )
        if duration is not None and frames > self._rate_allowance(duration):
            raise MediaError(
                "frame_rate_too_high",
                f"The {self.noun} has {frames / max(duration, 1e-3):,.0f} frames a second; "
                f"the limit is {limits.max_frames_per_second:g}.",
            )

    def spend(self, *, second: float, width: int, height: int) -> None:
        """Account one frame of width x height at `second`; raise when a bound is passed."""
        self.frames += 1
        self.pixels += width * height
        self.horizon = max(self.horizon, second)
        limits = self.limits
        if self.frames > limits.max_video_frames:
            raise MediaError(
                "too_many_frames",
                f"The video has more than {limits.max_video_frames:,} frames.",
            )
        if second > limits.max_video_seconds:
            raise too_long(limits)
        if self.pixels > self.max_pixels:
            raise MediaError(
                "too_many_decoded_pixels",
                f"The {self.noun}'s frames decode to more than {self.max_pixels:,} pixels in all.",
            )
        if self.frames > self._rate_allowance(self.horizon):
            raise MediaError(
                "frame_rate_too_high",
                f"The {self.noun} has more frames a second than the limit of "
                f"{limits.max_frames_per_second:g}.",
            )
        if self.frames % _CLOCK_EVERY == 0 or width * height >= _LARGE_FRAME:
            self.check_clocks()

    def check_clocks(self) -> None:
        """Raise when the item has taken longer than its wall-clock or CPU-time limit."""
        limits = self.limits
        if time.monotonic() - self.started > limits.decode_timeout_seconds:
            raise MediaError(
                "decode_timeout",
                f"Decoding took longer than {limits.decode_timeout_seconds:g} seconds.",
            )
        if time.process_time() - self.cpu_started > limits.decode_cpu_seconds:
            raise cpu_limit(limits)

    @property
    def noun(self) -> str:
        """How messages name the item."""
        return "animation" if self.kind == "animation" else "video"

    def _rate_allowance(self, seconds: float) -> float:
        """Frames allowed up to `seconds` of media: the rate limit, with one second spare."""
        return self.limits.max_frames_per_second * (max(seconds, 0.0) + 1.0)


def too_long(limits: MediaLimits) -> MediaError:
    """The error for a video over the duration limit."""
    return MediaError(
        "too_long", f"The video is longer than the {limits.max_video_seconds:g}-second limit."
    )


def cpu_limit(limits: MediaLimits) -> MediaError:
    """The error for decoding that used more processor time than allowed."""
    return MediaError(
        "decode_cpu_limit",
        f"Decoding used more than {limits.decode_cpu_seconds:g} seconds of processor time.",
    )
