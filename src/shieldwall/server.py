"""`shieldwall serve`: the WSGI application under gunicorn, a production server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

from shieldwall.wsgi import application


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted; each worker process keeps its own match index."""
    config = settings.SHIELDWALL
    timeout = int(config.decode_timeout_seconds) + 30
    _Server(
        {
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
        }
    ).run()
