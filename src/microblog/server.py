"""`python -m microblog serve`: the WSGI application under gunicorn, a production server."""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

MAX_SOCKET_PATH = 100  # bytes; a Unix socket's path may hold 107 on Linux, 103 elsewhere


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from microblog.wsgi import application

        return application


def _post_worker_init(worker: Any) -> None:
    # Events left in the outbox by an earlier run are sent once the worker is up.
    from microblog.safety.events import sender

    sender.wake()


def control_socket(home: Path, host: str, port: int) -> str:
    """This server's own gunicorn control socket (gunicorn's default is one per user, which
    a second server on the machine would take over): one per address in the home."""
    path = home / "run" / f"gunicorn-{host}-{port}.ctl"
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return str(path)
    folder = tempfile.mkdtemp(prefix="microblog-serve-")
    atexit.register(_remove_folder, folder)
    return os.path.join(folder, "gunicorn.ctl")


def _remove_folder(folder: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    _Server(
        {
            "control_socket": control_socket(settings.HOME, host, port),
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "threads": max(1, threads),
            "worker_class": "gthread",
            "timeout": 90,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "post_worker_init": _post_worker_init,
        }
    ).run()
