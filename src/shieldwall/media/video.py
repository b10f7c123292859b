"""Decode the video stream of a container with PyAV, bounded in time, frames and pixels."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from shieldwall.media.budget import DecodeBudget, too_long
from shieldwall.media.errors import MediaError
from shieldwall.media.image import animated_frames, check_pixels, corrupt, picture_from
from shieldwall.media.limits import MediaLimits
from shieldwall.media.resample import Picture, reduction_for

_FRAME_THREADS_MIN_PIXELS = 320 * 240


@dataclass(frozen=True)
class FrameSource:
    """Sampled frames of one video, with its frame size and duration when known."""

    width: int
    height: int
    duration: float | None
    frames: Iterator[tuple[float, Picture]]


class Sampler:
    """Keeps the first frame at or after each 1/fps step (t = 0, 1, 2, ... at 1 fps)."""

    def __init__(self, frames_per_second: float | None) -> None:
        self.fps = frames_per_second
        self.next_second = 0.0

    def wants(self, second: float) -> bool:
        """Whether the frame at `second` (from the first frame) is sampled."""
        if self.fps is None:
            return True
        if second + 1e-6 < self.next_second:
            return False
        self.next_second = (math.floor(second * self.fps + 1e-6) + 1) / self.fps
        return True


def open_video(
    data: bytes, fmt: str, limits: MediaLimits, frames_per_second: float | None
) -> FrameSource:
    """Open a video (or animated image) and return its lazily decoded, sampled frames."""
    if fmt in ("gif", "webp", "png"):
        budget = DecodeBudget(limits, kind="animation")
        return _animated_source(data, fmt, budget, Sampler(frames_per_second))
    return _container_source(data, fmt, DecodeBudget(limits), Sampler(frames_per_second))


def _container_source(data: bytes, fmt: str, budget: DecodeBudget, sampler: Sampler) -> FrameSource:
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except av.error.FFmpegError as exc:
        raise MediaError("corrupt", f"The {fmt.upper()} video is damaged or truncated.") from exc
    if not container.streams.video:
        container.close()
        raise MediaError("no_video_stream", "The file has no video stream (audio only?).")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    # Frame threads pay off on large frames; on tiny ones their hand-offs cost several
    # times the decoding (40 against 6 us a frame at 16 x 16). FFmpeg's output is the same.
    stream.thread_type = "AUTO" if width * height >= _FRAME_THREADS_MIN_PIXELS else "SLICE"
    duration = None
    if container.duration:
        duration = container.duration / av.time_base
    elif stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    try:
        check_pixels((width, height), budget.limits)
        if duration is not None and duration > budget.limits.max_video_seconds:
            raise too_long(budget.limits)
        budget.check_declared(
            frames=stream.frames or None, width=width, height=height, duration=duration
        )
    except MediaError:
        container.close()
        raise
    frames = _decode(container, stream, fmt, budget, sampler)
    return FrameSource(width, height, duration, frames)


def _decode(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    fmt: str,
    budget: DecodeBudget,
    sampler: Sampler,
) -> Iterator[tuple[float, Picture]]:
    rate = float(stream.average_rate or stream.guessed_rate or 30)
    first: float | None = None
    yielded = 0
    # One scaler for the whole video: FFmpeg's scaling context is then built once, not for
    # every sampled frame (0.3 ms instead of 7 ms a frame at 480p; the pixels are the same).
    scaler = VideoReformatter()
    with container:
        try:
            for index, frame in enumerate(container.decode(stream)):
                raw = frame.time if frame.time is not None else index / rate
                first = raw if first is None else first
                second = raw - first
                check_pixels((frame.width, frame.height), budget.limits)
                budget.spend(second=second, width=frame.width, height=frame.height)
                if not sampler.wants(second):
                    continue
                yield second, _picture(frame, scaler)
                yielded += 1
        except av.error.FFmpegError as exc:
            # A stream cut short after some good frames is hashed as far as it goes.
            if yielded == 0:
                raise MediaError(
                    "corrupt", f"The {fmt.upper()} video is damaged or truncated."
                ) from exc
    if yielded == 0:
        raise MediaError("corrupt", f"The {fmt.upper()} video has no decodable frames.")


def _picture(frame: av.VideoFrame, scaler: VideoReformatter) -> Picture:
    """Scale a frame down (PDQ needs little resolution) and take its luma."""
    factor = reduction_for(frame.width, frame.height)
    width = max(1, round(frame.width / factor))
    height = max(1, round(frame.height / factor))
    grey = scaler.reformat(frame, format="gray", width=width, height=height).to_ndarray()
    return Picture(
        grey.astype(np.float32),
        (frame.width, frame.height),
        (frame.width / width, frame.height / height),
    )


def _animated_source(data: bytes, fmt: str, budget: DecodeBudget, sampler: Sampler) -> FrameSource:
    frames = animated_frames(data, fmt, budget)
    first = next(frames, None)
    if first is None:
        raise MediaError("corrupt", f"The {fmt.upper()} file has no frames.")
    size = first[1].size

    def pictures() -> Iterator[tuple[float, Picture]]:
        for second, img in itertools.chain([first], frames):
            if sampler.wants(second):
                try:
                    picture = picture_from(img, img.size)
                except Exception as exc:
                    raise corrupt(fmt) from exc
                yield second, picture

    return FrameSource(size[0], size[1], None, pictures())
