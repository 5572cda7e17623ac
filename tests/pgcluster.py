"""A throwaway PostgreSQL cluster for the test suite.

Run a command against a fresh, private cluster::

    python -m tests.pgcluster -- pytest -q

The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port with ``trust``
authentication, has one database ``sandbox``, and is stopped and deleted when the command ends
(also on Ctrl-C, SIGTERM or an error).  The command runs as the calling user with
``DATABASE_URL=postgres://postgres@127.0.0.1:PORT/sandbox`` in its environment, and its exit
code becomes this module's exit code.

``initdb`` and ``postgres`` refuse to run as root, so when started by root the cluster's own
processes run as the ``postgres`` system user (Debian's ``postgresql`` package creates it), or
as a system user ``sandboxpg`` created on demand, through ``runuser``.

The same cluster is available in Python as a context manager::

    with pg_cluster() as url:
        ...
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

__all__ = ["PgCluster", "PgClusterError", "find_bindir", "main", "pg_cluster", "pg_cluster_handle"]

SUPERUSER = "postgres"  # the database superuser, as named by initdb -U
SERVICE_USER = "postgres"  # the system account that runs the server when started by root
DEFAULT_DBNAME = "sandbox"
FALLBACK_SERVICE_USER = "sandboxpg"
START_TIMEOUT_SECONDS = 60
CHILD_GRACE_SECONDS = 30.0

SERVER_SETTINGS = (
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
)


class PgClusterError(RuntimeError):
    """The cluster could not be found, created, started or prepared."""


class _Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP."""


def _log(message: str) -> None:
    print(f"pgcluster: {message}", file=sys.stderr, flush=True)


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def find_bindir() -> Path:
    """Locate the directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Order: ``$PG_BINDIR``, ``pg_config --bindir``, the highest ``/usr/lib/postgresql/N/bin``
    (Debian's layout), then the directory of ``initdb`` found on ``PATH``.
    """
    candidates: list[Path] = []
    override = os.environ.get("PG_BINDIR")
    if override:
        candidates.append(Path(override))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    debian_root = Path("/usr/lib/postgresql")
    if debian_root.is_dir():
        versions = [p for p in debian_root.iterdir() if re.fullmatch(r"\d+(\.\d+)?", p.name)]
        versions.sort(key=lambda p: tuple(int(part) for part in p.name.split(".")), reverse=True)
        candidates.extend(p / "bin" for p in versions)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for candidate in candidates:
        if _has_server_binaries(candidate):
            return candidate
    raise PgClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
        "install Debian's 'postgresql' package (make deps does) or set PG_BINDIR."
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_user() -> pwd.struct_passwd | None:
    """The account the server runs as: None (the caller) unless the caller is root."""
    if os.geteuid() != 0:
        return None
    for name in (SERVICE_USER, FALLBACK_SERVICE_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    _log(f"creating system user {FALLBACK_SERVICE_USER!r} to run PostgreSQL")
    _checked(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            FALLBACK_SERVICE_USER,
        ],
        what="useradd",
    )
    return pwd.getpwnam(FALLBACK_SERVICE_USER)


def _world_traversable(path: Path) -> bool:
    """Whether every directory from / down to ``path`` can be entered by any user."""
    for directory in (path, *path.parents):
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _make_tempdir(user: pwd.struct_passwd | None) -> Path:
    base = Path(tempfile.gettempdir()).resolve()
    if user is not None and not _world_traversable(base):
        base = Path("/tmp")
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-pg-", dir=base))
    if user is not None:
        os.chown(tmp, user.pw_uid, user.pw_gid)
    return tmp


def _as_user(cmd: Sequence[str], user: pwd.struct_passwd | None) -> list[str]:
    if user is None:
        return list(cmd)
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", user.pw_name, "--", *cmd]


def _checked(
    cmd: Sequence[str], *, what: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PgClusterError(f"{what} failed: {exc}") from exc
    if result.returncode != 0:
        raise PgClusterError(
            f"{what} failed with exit code {result.returncode}: {shlex.join(cmd)}\n"
            f"{result.stdout}{result.stderr}".rstrip()
        )
    return result


def _initdb(bindir: Path, datadir: Path, cwd: Path, user: pwd.struct_passwd | None) -> None:
    base = [str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", SUPERUSER]
    base += ["--no-sync", "-E", "UTF8", "--no-instructions"]
    try:
        _checked(_as_user([*base, "--locale=C.UTF-8"], user), what="initdb", cwd=cwd)
    except PgClusterError as exc:
        # A libc without a C.UTF-8 locale: fall back to plain C collation and ctype.
        _log(f"initdb with --locale=C.UTF-8 failed, retrying with --no-locale ({exc})")
        shutil.rmtree(datadir, ignore_errors=True)
        _checked(_as_user([*base, "--no-locale"], user), what="initdb", cwd=cwd)


def _start(
    bindir: Path,
    datadir: Path,
    sockdir: Path,
    logfile: Path,
    cwd: Path,
    user: pwd.struct_passwd | None,
    port: int | None = None,
) -> int:
    """Start the server on ``port`` or a free one, retrying if another process grabbed it."""
    last_error: PgClusterError | None = None
    fixed_port = port
    for _attempt in range(1 if fixed_port else 3):
        port = fixed_port or free_port()
        options = " ".join(
            (
                "-c listen_addresses=127.0.0.1",
                f"-p {port}",
                f"-k {shlex.quote(str(sockdir))}",
                *SERVER_SETTINGS,
                # a benchmark's diagnostics, e.g. "-c shared_preload_libraries=pg_stat_statements"
                os.environ.get("PGCLUSTER_EXTRA_SETTINGS", ""),
            )
        )
        cmd = [str(bindir / "pg_ctl"), "-w", "-t", str(START_TIMEOUT_SECONDS), "-D", str(datadir)]
        cmd += ["-l", str(logfile), "-o", options, "start"]
        try:
            timeout = START_TIMEOUT_SECONDS + 30
            _checked(_as_user(cmd, user), what="pg_ctl start", cwd=cwd, timeout=timeout)
        except PgClusterError as exc:
            log = logfile.read_text(errors="replace") if logfile.exists() else ""
            last_error = PgClusterError(f"{exc}\n--- server log ---\n{log}".rstrip())
            if "could not bind" in log or "already in use" in log:
                _stop(bindir, datadir, cwd, user)
                logfile.unlink(missing_ok=True)
                continue
            raise last_error from exc
        return port
    assert last_error is not None
    raise last_error


def _wait_ready(bindir: Path, port: int) -> None:
    pg_isready = bindir / "pg_isready"
    if not os.access(pg_isready, os.X_OK):
        return  # pg_ctl -w has already waited for the server to accept connections
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    cmd = [str(pg_isready), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER]
    while True:
        with contextlib.suppress(subprocess.TimeoutExpired):
            if subprocess.run(cmd, check=False, timeout=30).returncode == 0:
                return
        if time.monotonic() > deadline:
            raise PgClusterError(f"server on port {port} not ready after {START_TIMEOUT_SECONDS}s")
        time.sleep(0.2)


def _postmaster_pid(datadir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((datadir / "postmaster.pid").read_text().splitlines()[0])
    return None


def _is_postgres(pid: int) -> bool:
    try:
        return b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _stop(bindir: Path, datadir: Path, cwd: Path, user: pwd.struct_passwd | None) -> None:
    """Stop the server if it runs; never raises."""
    if not (datadir / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        cmd = [str(bindir / "pg_ctl"), "-w", "-t", "30", "-D", str(datadir), "-m", mode, "stop"]
        try:
            _checked(_as_user(cmd, user), what=f"pg_ctl stop -m {mode}", cwd=cwd, timeout=60)
            return
        except PgClusterError as exc:
            _log(str(exc))
    pid = _postmaster_pid(datadir)
    if pid is not None and _is_postgres(pid):
        _log(f"killing postmaster {pid}")
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


class PgCluster:
    """A running private cluster that a fault test may stop and start again on the same port."""

    def __init__(self, bindir: Path, tmp: Path, user: pwd.struct_passwd | None) -> None:
        self.bindir, self.tmp, self.user = bindir, tmp, user
        self.datadir, self.sockdir = tmp / "data", tmp / "sock"
        self.logfile = tmp / "postgres.log"
        self.port = 0

    def url(self, dbname: str = DEFAULT_DBNAME) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        self.port = _start(
            self.bindir,
            self.datadir,
            self.sockdir,
            self.logfile,
            self.tmp,
            self.user,
            port=self.port or None,
        )
        _wait_ready(self.bindir, self.port)

    def stop(self) -> None:
        _stop(self.bindir, self.datadir, self.tmp, self.user)


@contextlib.contextmanager
def pg_cluster_handle(dbname: str = DEFAULT_DBNAME) -> Iterator[PgCluster]:
    """Create and start a private cluster with database ``dbname``; delete it afterwards."""
    bindir = find_bindir()
    user = _service_user()
    tmp = _make_tempdir(user)
    cluster = PgCluster(bindir, tmp, user)
    started = False
    try:
        cluster.sockdir.mkdir(mode=0o700)
        if user is not None:
            os.chown(cluster.sockdir, user.pw_uid, user.pw_gid)
        _initdb(bindir, cluster.datadir, tmp, user)
        started = True  # from here on, a half-started server must be stopped
        cluster.start()
        createdb = [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port)]
        _checked([*createdb, "-U", SUPERUSER, dbname], what="createdb", cwd=tmp)
        _log(f"PostgreSQL ({bindir}) ready at {cluster.url(dbname)}")
        yield cluster
    finally:
        try:
            if started:
                cluster.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def pg_cluster(dbname: str = DEFAULT_DBNAME) -> Iterator[str]:
    """Create, start and yield the URL of a private cluster; stop and delete it afterwards."""
    with pg_cluster_handle(dbname) as cluster:
        yield cluster.url(dbname)


def _reap(proc: subprocess.Popen[bytes], *, terminate_first: bool) -> None:
    """End ``proc``: SIGTERM at once or after a first grace period, then SIGKILL if need be."""
    steps = (True, False) if terminate_first else (False, True)
    for send_term in steps:
        if send_term:
            with contextlib.suppress(OSError):
                proc.terminate()
        try:
            proc.wait(timeout=CHILD_GRACE_SECONDS / 2)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait()


def _run_child(cmd: Sequence[str], env: dict[str, str]) -> int:
    """Run ``cmd`` as the calling user; forward SIGTERM and give it time to act on Ctrl-C."""
    try:
        proc = subprocess.Popen(list(cmd), env=env)
    except OSError as exc:
        _log(f"cannot run {shlex.join(cmd)}: {exc}")
        return 127
    try:
        returncode = proc.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the child too (same process group): let it wind down first.
        _reap(proc, terminate_first=False)
        raise
    except _Terminated:
        _reap(proc, terminate_first=True)
        raise
    return 128 - returncode if returncode < 0 else returncode


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Only once: a second signal during cleanup must not abort the cleanup.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise _Terminated


USAGE = "usage: python -m tests.pgcluster -- COMMAND [ARGS...]"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--":
        args = args[1:]
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    try:
        with pg_cluster() as url:
            env = dict(os.environ)
            env["DATABASE_URL"] = url
            return _run_child(args, env)
    except PgClusterError as exc:
        _log(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except _Terminated:
        return 143


if __name__ == "__main__":
    sys.exit(main())
