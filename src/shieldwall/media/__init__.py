"""Safe decoding and hashing of uploaded media (a pure library: no Django, banks or HTTP)."""

from shieldwall.media.detect import detect_format
from shieldwall.media.errors import MediaError
from shieldwall.media.hashing import FrameHash, MediaHashes, hash_bytes, hash_file
from shieldwall.media.limits import MediaLimits
from shieldwall.media.nearcopy import NearCopy
from shieldwall.media.pdq import dihedral_from_hash, hamming, pdq_bytes_to_hex, pdq_hex_to_bytes

__all__ = [
    "FrameHash",
    "MediaError",
    "MediaHashes",
    "MediaLimits",
    "NearCopy",
    "detect_format",
    "dihedral_from_hash",
    "hamming",
    "hash_bytes",
    "hash_file",
    "pdq_bytes_to_hex",
    "pdq_hex_to_bytes",
]
