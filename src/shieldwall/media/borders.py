"""Find letterbox and pillarbox bars (uniform rows or columns at the edges) to trim."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# A bar line (row or column) is nearly flat (std <= MAX_STD) and nearly all within TOLERANCE
# luma levels of the edge colour; the slack absorbs JPEG and video compression noise.
# Real bars end at a visible edge: the first picture line differs from the bar by EDGE in
# colour or spread, which keeps flat walls and skies from being taken for bars. Bars may
# not take more than MAX_TRIM of a dimension, so a near-uniform picture is kept whole.
TOLERANCE = 6.0
MAX_STD = 2.0
MIN_CLOSE_FRACTION = 0.98
EDGE = 8.0
MAX_TRIM = 0.75


@dataclass(frozen=True)
class Box:
    """A content rectangle in pixel rows [top, bottom) and columns [left, right)."""

    top: int
    bottom: int
    left: int
    right: int

    def union(self, other: Box) -> Box:
        """Return the smallest box holding both (the least trimming of the two)."""
        return Box(
            min(self.top, other.top),
            max(self.bottom, other.bottom),
            min(self.left, other.left),
            max(self.right, other.right),
        )

    def is_whole(self, height: int, width: int) -> bool:
        """Whether the box covers the whole height x width frame."""
        return (self.top, self.bottom, self.left, self.right) == (0, height, 0, width)


def _bar_length(lines: npt.NDArray[np.float32]) -> int:
    """How many leading lines (rows of `lines`) form a uniform bar ending at an edge."""
    if float(lines[0].std()) > MAX_STD:  # most pictures: no bar, decided from one line
        return 0
    colour = float(np.median(lines[0]))
    close = (np.abs(lines - colour) <= TOLERANCE).mean(axis=1) >= MIN_CLOSE_FRACTION
    is_bar = close & (lines.std(axis=1) <= MAX_STD)
    not_bar = np.flatnonzero(~is_bar)
    if not not_bar.size:
        return len(lines)
    length = int(not_bar[0])
    if length == 0:
        return 0
    edge = lines[length]
    if abs(float(np.median(edge)) - colour) < EDGE and float(edge.std()) < EDGE:
        return 0
    return length


def content_box(luma: npt.NDArray[np.float32]) -> Box | None:
    """Return the box inside uniform edge bars, or None when the frame is all uniform."""
    height, width = luma.shape
    if height < 4 or width < 4:
        return Box(0, height, 0, width)
    top = _bar_length(luma)
    if top >= height:
        return None
    bottom = height - _bar_length(luma[::-1])
    middle = luma[top:bottom].T  # columns, without the top and bottom bars
    left = _bar_length(middle)
    right = width - _bar_length(middle[::-1])
    if bottom - top < (1 - MAX_TRIM) * height:
        top, bottom = 0, height
    if right - left < (1 - MAX_TRIM) * width:
        left, right = 0, width
    return Box(top, bottom, left, right)
