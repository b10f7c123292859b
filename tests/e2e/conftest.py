"""Fixtures of the browser tests: the running desk."""

from tests.e2e.desk_support import desk  # noqa: F401  (fixture)
