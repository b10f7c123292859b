"""WSGI entry point for `shieldwall serve` (gunicorn) and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

from shieldwall.core.middleware import ChunkedBodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shieldwall.settings")
# Django reads only CONTENT_LENGTH bytes of a body; ChunkedBodies gives chunked bodies a length.
application = ChunkedBodies(get_wsgi_application())
