"""Local stand-ins for services unreachable from tests (NCMEC, StopNCII), over real HTTP."""
