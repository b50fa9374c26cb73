"""A throwaway PostgreSQL cluster for tests that kill the database server.

The shared server on port 5432 serves everyone's tests, so a test that kills PostgreSQL
makes its own: ``initdb`` into a temporary folder, ``postgres`` on a free loopback port,
removed afterwards. initdb and postgres refuse to run as root, so as root they run as the
``postgres`` user (``runuser``), which owns the folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import psycopg


def find_binaries() -> Path | None:
    """The folder holding initdb and postgres: pg_config's, else the newest Debian one."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run(  # noqa: S603 - pg_config as found on the PATH
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        candidates.append(Path(found.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    return None


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, for instance)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# Trust on loopback only (listen_addresses below); no locale, so any machine can make it;
# no fsync of initdb's own files (the server itself runs with fsync on, as in production).
INITDB = ["--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]


class PrivateCluster:
    """``init()``, ``start()``, ``kill()`` (SIGKILL, as a crash), ``start()`` again
    (crash recovery), ``remove()``."""

    def __init__(self, binaries: Path, port: int) -> None:
        self.binaries, self.port = binaries, port
        self.root = Path(tempfile.mkdtemp(prefix="prizes-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, command: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return command
        return ["runuser", "-u", "postgres", "--", *command]

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(  # noqa: S603 - our own arguments
            self._as_owner(
                [str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres", *INITDB]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self, timeout: float = 30) -> None:
        command = [str(self.binaries / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        command += ["-k", str(self.root), "-c", "listen_addresses=127.0.0.1"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                self._as_owner(command), stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url.replace("+psycopg", ""), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise AssertionError(f"the private PostgreSQL did not start: {self.log.read_text()}")

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def processes(self) -> set[int]:
        """The cluster's live processes: each works in the data folder (the backends are
        session leaders of their own, so no process group holds them all)."""
        found = set()
        for cwd in Path("/proc").glob("[0-9]*/cwd"):
            try:
                if cwd.resolve(strict=True) == self.data.resolve() and _alive(int(cwd.parent.name)):
                    found.add(int(cwd.parent.name))
            except OSError:
                continue
        return found

    def kill(self) -> set[int]:
        """SIGKILL the postmaster and all its processes at once: a crash. Returns the pids."""
        killed: set[int] = set()
        while pids := self.processes() - killed:  # again, for a backend forked meanwhile
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed |= pids
        self._wait_gone(killed)
        return killed

    def stop(self) -> None:
        """Immediate shutdown of whatever still runs (SIGKILL if it does not stop)."""
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(OSError, ValueError, IndexError):
            os.kill(self.postmaster(), signal.SIGQUIT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def _wait_gone(self, pids: set[int]) -> None:
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise AssertionError(f"processes {pids} outlived SIGKILL")
            time.sleep(0.05)
        if self.process is not None:
            self.process.wait(timeout=20)  # runuser, or postgres itself

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
