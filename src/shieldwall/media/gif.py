"""Count the frames of a GIF from its block structure alone, without decoding a pixel."""

from __future__ import annotations

_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B


def count_frames(data: bytes, *, stop_after: int) -> int:
    """The number of frames Pillow would find, counting no further than stop_after + 1.

    Walks the blocks as Pillow's reader does (stray bytes between blocks are skipped one at
    a time, as Pillow skips them), so a file cannot hide frames from the count.
    """
    if len(data) < 13:
        return 0
    pos = 13 + _colour_table_size(data[10])
    end = len(data)
    frames = 0
    while pos < end and frames <= stop_after:
        block = data[pos]
        if block == _TRAILER:
            break
        if block == _EXTENSION:
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == _IMAGE:
            if pos + 10 > end:
                break
            pos += 10 + _colour_table_size(data[pos + 9])
            pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
            frames += 1
        else:
            pos += 1
    return frames


def _colour_table_size(flags: int) -> int:
    return 3 * (2 << (flags & 7)) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of length-prefixed sub-blocks ending in a 0 length."""
    end = len(data)
    while pos < end:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos
