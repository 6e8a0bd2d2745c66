"""Shared benchmark plumbing: real `xentree serve` processes driven by `wrk` from another process.

Only loopback traffic; every run is bounded in time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-0123456789abcdef-0123456789"


@dataclass(frozen=True)
class Result:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self) -> str:
        return (
            f"{self.label:<44} {self.rps:>10.0f} req/s   p50 {self.p50_ms:>7.2f} ms"
            f"   p99 {self.p99_ms:>7.2f} ms   non-2xx/errors {self.errors}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XENTREE_")}
    env.update(
        {
            "XENTREE_DATABASE_URL": database_url,
            "XENTREE_SECRET_KEY": SECRET,
            "XENTREE_LOG_LEVEL": "warning",
            "XENTREE_ENV": "development",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    env.update(extra)
    return env


def sqlite_url() -> str:
    directory = tempfile.mkdtemp(prefix="xentree-bench-")
    return f"sqlite+aiosqlite:///{directory}/bench.db"


def postgres_url(name: str) -> str:
    """A fresh PostgreSQL database (dropped and re-created) on the local server."""
    base = os.environ.get("XENTREE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    subprocess.run(
        [
            "psql",
            base,
            "-q",
            "-c",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            "-c",
            f'CREATE DATABASE "{name}"',
        ],
        check=True,
        capture_output=True,
    )
    return re.sub(r"/[^/]*$", f"/{name}", base).replace("postgresql://", "postgresql+asyncpg://", 1)


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "xentree", "db", "upgrade"], env=env, check=True, capture_output=True
    )


@contextmanager
def server(env: dict[str, str], workers: int = 1, timeout: float = 60.0) -> Iterator[str]:
    """Start `xentree serve` (migrating first) and yield its base URL."""
    migrate(env)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "xentree", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("server exited early")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            time.sleep(0.2)
        time.sleep(0.5 * workers)  # let every worker finish starting
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_LUA = """
wrk.method = {method}
wrk.body = {body}
{headers}
local errors = 0
response = function(status, headers, body)
  if status >= 300 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("XENTREE %d %d %f %f %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, 0, 0))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)


def load(
    url: str,
    *,
    label: str | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | bytes | dict[str, object] | None = None,
    duration: int = 5,
    connections: int = 50,
    threads: int = 1,
    script: str | None = None,
) -> Result:
    """Drive `url` with wrk for `duration` seconds; `script` may replace the generated Lua."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install -y wrk")
    if isinstance(body, dict):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
    if isinstance(body, bytes):
        body = body.decode()
    header_lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (headers or {}).items()
    )
    lua = script or _LUA.format(
        method=_lua_string(method),
        body=_lua_string(body) if body is not None else "nil",
        headers=header_lines,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
        lua_path = handle.name
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                lua_path,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        )
    finally:
        os.unlink(lua_path)
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("XENTREE ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary:\n{completed.stdout}\n{completed.stderr}")
    _, requests, duration_us, p50, p99, socket_errors, status_errors, *_ = line.split()
    return Result(
        label=label or f"{method} {url}",
        rps=int(requests) / (int(duration_us) / 1e6),
        p50_ms=float(p50) / 1000,
        p99_ms=float(p99) / 1000,
        errors=int(socket_errors) + int(status_errors),
    )


def register_and_login(url: str, username: str = "bench") -> dict[str, str]:
    """Register (if needed) and log in a user; returns the token response."""
    password = "bench-password-1234567"
    httpx.post(
        f"{url}/api/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": password},
        timeout=30,
    )
    response = httpx.post(
        f"{url}/api/auth/login", data={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    tokens: dict[str, str] = response.json()
    return tokens
