"""`python -m microblog serve`: the WSGI application under gunicorn, a production server."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    _Server(
        {
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
