"""Tidepool, the reference microblog: a small platform that uses Shieldwall only through its SDK."""
