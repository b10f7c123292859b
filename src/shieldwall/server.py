"""`shieldwall serve`: the WSGI application under gunicorn, a production server."""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

from shieldwall.core.metrics_dir import metrics_folder, use_multiprocess_folder, worker_exited
from shieldwall.wsgi import application

MAX_SOCKET_PATH = 100  # bytes; a Unix socket's path may hold 107 on Linux, 103 elsewhere


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


def control_socket(home: Path, host: str, port: int) -> str:
    """Where this serve's gunicorn control socket lives: its own, never another serve's.

    Gunicorn 27 puts every instance's socket at one path per user by default
    ($XDG_RUNTIME_DIR/gunicorn.ctl), so a second serve on the machine would take over the
    first one's (and remove it on exit). One per address in the home instead, which two live
    serves cannot share; in a private temporary folder when the home's path is too long.
    """
    path = home / "run" / f"gunicorn-{host}-{port}.ctl"
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return str(path)
    folder = tempfile.mkdtemp(prefix="shieldwall-serve-")
    atexit.register(_remove_folder, folder)
    return os.path.join(folder, "gunicorn.ctl")


def _remove_folder(folder: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _child_exit(server: Any, worker: Any) -> None:
    """Gunicorn's hook in the arbiter when it has reaped a worker process."""
    worker_exited(worker.pid)


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted; each worker process keeps its own match index, and writes its
    metrics to this serve's folder so that a scrape adds up every worker's."""
    config = settings.SHIELDWALL
    use_multiprocess_folder(metrics_folder(config.home, host, port))
    timeout = int(config.decode_timeout_seconds) + 30
    _Server(
        {
            "control_socket": control_socket(settings.SHIELDWALL.home, host, port),
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "threads": max(1, threads),
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 10,
            "accesslog": "-",
            # No client address, referrer or user agent: a request to /report is a
            # reporter, and logs never name one.
            "access_log_format": '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            # Only the configured proxies may say a request came over https (so that HSTS
            # and secure cookies follow); gunicorn would otherwise believe any local peer.
            "forwarded_allow_ips": ",".join(str(net) for net in config.trusted_proxies),
            "limit_request_line": 8190,
            "child_exit": _child_exit,
        }
    ).run()
