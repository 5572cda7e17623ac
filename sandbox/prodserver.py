"""The production profile on one machine: gunicorn + whitenoise + PostgreSQL + task workers.

    DATABASE_URL=postgres://... python -m sandbox.prodserver [--bind 127.0.0.1:8001] [--seed]

Prepares the database and static files (``migrate``, ``collectstatic``, optionally
``seed_demo``), then runs and watches: gunicorn (threaded workers, recycled after a number of
requests), ``--task-workers`` django-tasks ``db_worker`` processes (recycled after a number of
tasks, so letter rendering never grows memory) and, when the project has it, the deadline
scheduler. A worker that exits is started again; Ctrl-C or SIGTERM stops everything.

``make serve-prod`` runs this against ``DATABASE_URL`` or, when that is unset, a throwaway
PostgreSQL cluster (``tests/pgcluster.py``). The environment is production's (``DEBUG=0``,
database task queue); only what a loopback demo cannot have is relaxed, and only when not set
by the caller: plain HTTP (``SECURE_SSL_REDIRECT=0``, ``SECURE_COOKIES=0``: in a real
deployment a TLS proxy sits in front and these stay on) and a random ``SECRET_KEY``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent

LOOPBACK_DEFAULTS = {
    "DEBUG": "0",
    "TASKS_BACKEND": "database",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    # Each gunicorn thread keeps its connection ten minutes (health-checked at each request's
    # start, so a database restart still heals): a new connection costs PostgreSQL a backend
    # process and its catalog caches, and with a minute every thread reconnected once a minute.
    "DB_CONN_MAX_AGE": "600",
    # a trial on this machine: letters may print its loopback address (documents/letter_data.py)
    "LETTER_LOOPBACK_OK": "1",
}


def production_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment the profile's processes run with (caller's values win)."""
    env = {**LOOPBACK_DEFAULTS, **base}
    env["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"  # never a test runner's settings
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    env.setdefault("STATIC_ROOT", str(ROOT / "var" / "staticfiles"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Profile:
    """The processes of the production profile; ``start`` and ``stop`` are idempotent."""

    env: dict[str, str]
    bind: str = "127.0.0.1:8001"
    web_workers: int = 3
    threads: int = 8
    task_workers: int = 2
    max_tasks_per_worker: int = 200
    quiet: bool = False
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{self.bind}"

    def _manage(self, *args: str) -> None:
        output = subprocess.DEVNULL if self.quiet else None
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=output,
        )

    def prepare(self, *, seed: bool = False) -> None:
        """Bring the database schema and static files up to date (and load demo data)."""
        self._manage("migrate", "--noinput", "-v", "0")
        self._manage("collectstatic", "--noinput", "-v", "0")
        if seed:
            self._manage("seed_demo")

    def commands(self) -> dict[str, list[str]]:
        python = sys.executable
        web = [python, "-m", "gunicorn", "sandbox.wsgi", "--bind", self.bind]
        web += ["--config", "python:sandbox.gunicorn_conf"]  # header bounds, body refusals
        web += ["--workers", str(self.web_workers), "--worker-class", "gthread"]
        web += ["--threads", str(self.threads), "--timeout", "30", "--graceful-timeout", "10"]
        web += ["--max-requests", "5000", "--max-requests-jitter", "500"]
        # Keep idle connections longer than a load balancer or client does (60 s is usual):
        # with gunicorn's 2 s default, a request sent on a connection the server is just
        # closing is reset (seen in the load test). Idle connections hold no gthread thread.
        web += ["--keep-alive", "65"]
        commands = {"web": web}
        for index in range(1, self.task_workers + 1):
            commands[f"tasks-{index}"] = [
                python,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--interval",
                "0.5",
                "--max-tasks",
                str(self.max_tasks_per_worker),
            ]
        if (ROOT / "applications" / "management" / "commands" / "run_scheduler.py").exists():
            commands["scheduler"] = [python, "manage.py", "run_scheduler"]
        return commands

    def start_one(self, name: str) -> None:
        output = subprocess.DEVNULL if self.quiet else None
        self.processes[name] = subprocess.Popen(
            self.commands()[name],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
            start_new_session=True,  # its own process group: stopping it stops its children
        )

    def start(self) -> None:
        for name in self.commands():
            if name not in self.processes or self.processes[name].poll() is not None:
                self.start_one(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one process's group (a fault test's way to crash a worker)."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def wait_healthy(self, timeout: float = 60) -> None:
        """Return once ``/health/`` answers 200; raise if the web process died or time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            web = self.processes.get("web")
            if web is not None and web.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {web.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.base_url}/health/ did not answer 200 within {timeout} s")

    def restart_exited(self) -> list[str]:
        """Start again the task workers and the scheduler that exited (a worker ends after
        ``--max-tasks`` tasks, so that its memory does not grow); returns their names."""
        exited = [
            name
            for name, process in self.processes.items()
            if name != "web" and process.poll() is not None
        ]
        for name in exited:
            self.start_one(name)
        return exited

    def supervise(self) -> int:
        """Restart task workers and the scheduler when they exit; end when gunicorn ends."""
        while True:
            web = self.processes["web"]
            if web.poll() is not None:
                return web.returncode or 0
            self.restart_exited()
            time.sleep(1)


class _Stop(BaseException):
    pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bind", default="127.0.0.1:8001")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--task-workers", type=int, default=2)
    parser.add_argument("--seed", action="store_true", help="load the demo data (seed_demo)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("prodserver: DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    profile = Profile(
        env=production_env(os.environ),
        bind=args.bind,
        web_workers=args.web_workers,
        task_workers=args.task_workers,
    )
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    try:
        profile.prepare(seed=args.seed)
        profile.start()
        profile.wait_healthy()
        print(
            f"prodserver: serving on {profile.base_url}/ with {args.web_workers} gunicorn "
            f"workers and {args.task_workers} task workers (Ctrl-C stops)",
            flush=True,
        )
        return profile.supervise()
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        profile.stop()


if __name__ == "__main__":
    sys.exit(main())
