"""The one exception type that media decoding and hashing raise."""

from __future__ import annotations

CODES = frozenset(
    {
        "empty_file",
        "too_large",
        "unsupported_type",
        "corrupt",
        "too_many_pixels",
        "too_long",
        "too_many_frames",
        "decode_timeout",
        "too_many_decoded_pixels",
        "frame_rate_too_high",
        "decode_cpu_limit",
        "decode_memory_limit",
        "decoder_crashed",
        "decoder_busy",
        "no_video_stream",
        "not_found",
        "not_a_file",
    }
)


class MediaError(Exception):
    """A media item that cannot be hashed, with a stable code and a sentence for people."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown media error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[MediaError], tuple[str, str]]:
        # Raised in a decoding child process and re-raised in the parent: pickle both fields.
        return (MediaError, (self.code, self.message))

    def __repr__(self) -> str:
        return f"MediaError(code={self.code!r}, message={self.message!r})"
