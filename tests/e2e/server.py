"""Start and stop an isolated JupyterLab server and a headless Chromium for end-to-end tests.

Plain functions, no pytest: benchmarks that need a real browser can reuse them too.

Isolation: the server gets its own config, data, runtime, IPython, user-settings and workspace
directories under one temporary base, so nothing from ``~/.jupyter`` or an old workspace leaks in.
Only the *user* directories are replaced; the environment's ``share/jupyter`` (lab extensions such
as ipywidgets and anywidget, the ``python3`` kernelspec) stays on the search path.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# User settings every test starts from. Keys are "<plugin package>/<plugin name>" paths under
# JUPYTERLAB_SETTINGS_DIR. Why each one:
# - notification: the "receive official Jupyter news?" toast covers the bottom-right corner and
#   the update check would try the network (there is none here).
# - tracker windowingMode "none": every cell stays attached and rendered, so offscreen outputs
#   have real sizes and text (the default "contentVisibility" skips rendering offscreen cells).
# - themes: pin the light theme so screenshots do not depend on a previous test.
BASELINE_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Light"},
}


def chromium_path() -> str:
    """The Chromium binary to drive; ``PERCEPTINB_CHROMIUM`` overrides the Debian default."""
    return os.environ.get("PERCEPTINB_CHROMIUM", DEFAULT_CHROMIUM)


def unavailable_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright is not importable ({exc}); pip install playwright"
    try:
        import jupyterlab  # noqa: F401
    except ImportError as exc:
        return f"jupyterlab is not importable ({exc})"
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"no Chromium executable at {path} (apt-get install chromium; PERCEPTINB_CHROMIUM)"
    return None


def launch_browser(playwright: Any) -> Any:
    """Launch headless Chromium from ``chromium_path()`` (never a Playwright download)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies (Linux), so no server outlives it."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class LabServer:
    """A running JupyterLab server. ``root_dir`` is where notebooks live."""

    url: str
    token: str
    port: int
    root_dir: Path
    base_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    startup_seconds: float = 0.0
    _log_file: Any = field(default=None, repr=False)

    @property
    def settings_dir(self) -> Path:
        return self.base_dir / "settings"

    @property
    def runtime_dir(self) -> Path:
        return self.base_dir / "runtime"

    def url_for(self, path: str = "lab", query: str = "") -> str:
        """Absolute URL with the token, e.g. ``url_for("lab/tree/a.ipynb", "reset")``."""
        query = f"{query}&token={self.token}" if query else f"token={self.token}"
        return f"{self.url}{path.lstrip('/')}?{query}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        """Call the server's REST API (``path`` like ``api/sessions``); returns parsed JSON."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode() or "null"
        return json.loads(text)

    def log_tail(self, chars: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def shutdown_all_kernels(self) -> None:
        """Stop every session and kernel, so tests do not pile up idle kernels on 2 cores."""
        with contextlib.suppress(Exception):
            for session in self.api("GET", "api/sessions"):
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"api/sessions/{session['id']}")
        with contextlib.suppress(Exception):
            for kernel in self.api("GET", "api/kernels"):
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"api/kernels/{kernel['id']}")

    def reset_user_settings(self) -> None:
        """Put the user settings back to ``BASELINE_SETTINGS`` (the server reads them from disk)."""
        write_baseline_settings(self.settings_dir)

    def kernel_pids(self) -> list[int]:
        """Live kernel processes of this server: their command line names our runtime dir."""
        marker = str(self.runtime_dir).encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
        return pids

    def stop(self, timeout: float = 15) -> None:
        """Shut kernels down, stop the server, kill whatever is left, remove the temp dirs."""
        if self.proc.poll() is None:
            self.shutdown_all_kernels()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)  # the server also stops its kernels
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # Kernels run in their own sessions (jupyter_client uses start_new_session), so the
        # process-group kill above cannot reach one that the server failed to stop.
        for pid in self.kernel_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
        with contextlib.suppress(OSError):  # kept for debugging a failed run
            ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.log_path, ARTIFACTS_DIR / "lab-server.log")
        shutil.rmtree(self.base_dir, ignore_errors=True)


def write_baseline_settings(settings_dir: Path) -> None:
    if settings_dir.exists():
        shutil.rmtree(settings_dir)
    for key, values in BASELINE_SETTINGS.items():
        path = settings_dir / f"{key}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def start_lab_server(
    base_dir: Path, notebooks_from: Path | None = None, timeout: float = 120
) -> LabServer:
    """Start ``jupyter lab`` on a free loopback port with everything under ``base_dir``.

    Args:
        base_dir: empty directory owned by the caller; removed again by ``LabServer.stop``.
        notebooks_from: a directory whose ``*.ipynb`` files are copied into the root dir.
        timeout: seconds to wait for ``/api/status`` to answer.
    """
    dirs = {
        name: base_dir / name
        for name in ("root", "config", "data", "runtime", "ipython", "workspaces")
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    write_baseline_settings(base_dir / "settings")
    if notebooks_from is not None and notebooks_from.is_dir():
        for nb in sorted(notebooks_from.glob("*.ipynb")):
            shutil.copy2(nb, dirs["root"] / nb.name)

    env = dict(os.environ)
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_TOKEN", "JUPYTERLAB_DIR"):
        env.pop(var, None)  # a developer's overrides must not redirect the test server
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
        JUPYTERLAB_SETTINGS_DIR=str(base_dir / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        JUPYTER_PLATFORM_DIRS="0",
        # Kernels import the working tree's perceptinb even when it is not pip-installed.
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )

    token = secrets.token_hex(24)
    last_error = ""
    for _attempt in range(3):  # the free port can be taken between probe and bind
        port = _free_port()
        log_path = base_dir / f"server-{port}.log"
        log_file = open(log_path, "wb")  # noqa: SIM115 - closed by LabServer.stop
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={dirs['root']}", f"--IdentityProvider.token={token}",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            f"--LabApp.user_settings_dir={base_dir / 'settings'}",
            # window.jupyterapp: commands and kernel state for robust waits.
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # no PyPI queries (there is no network)
        ]  # fmt: skip
        if os.geteuid() == 0:  # CI containers run as root; the server refuses without this
            cmd.append("--allow-root")
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=dirs["root"], env=env, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
        server = LabServer(
            url=f"http://127.0.0.1:{port}/", token=token, port=port, root_dir=dirs["root"],
            base_dir=base_dir, proc=proc, log_path=log_path, _log_file=log_file,
        )  # fmt: skip
        deadline = started + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                server.api("GET", "api/status", timeout=2)
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                time.sleep(0.1)
                continue
            server.startup_seconds = time.monotonic() - started
            return server
        last_error = server.log_tail()
        if proc.poll() is None:
            server.stop()
            raise RuntimeError(f"JupyterLab did not answer within {timeout}s:\n{last_error}")
        log_file.close()
        if "address already in use" not in last_error.lower():
            break
    shutil.rmtree(base_dir, ignore_errors=True)
    raise RuntimeError(f"JupyterLab exited during startup:\n{last_error}")
