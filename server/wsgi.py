"""Running the app under gunicorn, the production WSGI server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from graph.settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Any, options: dict[str, Any]):
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def run(settings: Settings, *, host: str, port: int, data_files: Sequence[Path] = ()) -> None:
    """Serve with gunicorn. The app, and the store it publishes, are loaded once in the master
    (`preload_app`): in memory the workers share the loaded store's memory; on disk the
    master only checks that the store opens and each worker opens it (server/publication.py).
    Each worker then starts its own query processes and takes requests once they are warm
    (graph/store/pool.py)."""
    from . import create_app, hosts, metrics, publication, sparql_cache

    shared: dict[str, Path] = {}  # the folder of the workers' shared answers, made below

    def factory() -> Any:
        app = create_app(settings, data_files=data_files)
        app.config[hosts.BOUND_HOST] = host  # answered by default, like the loopback names
        app.extensions[sparql_cache.FOLDER] = shared.get("answers")
        publication(app).open()
        return app

    def post_worker_init(worker: Any) -> None:
        if "prospectus" in getattr(worker.wsgi, "extensions", {}):  # not gunicorn's error app
            publication(worker.wsgi).start_queries(heartbeat=worker.notify)

    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, settings.workers),
        "threads": max(1, settings.threads),
        "worker_class": "gthread",
        "preload_app": True,
        "post_worker_init": post_worker_init,
        # The query timeout stops queries itself; the worker timeout is only a backstop.
        "timeout": int(settings.query_timeout * 3) + 30,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
    }
    with metrics.multiprocess_dir(), sparql_cache.shared_folder() as folder:
        # both before the app exists: its metrics count in files, its workers share answers
        shared["answers"] = folder
        _Gunicorn(factory, {**options, **metrics.GUNICORN_HOOKS}).run()
