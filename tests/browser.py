"""A real headless Chromium for the tests, driven over the DevTools protocol.

Debian's ``chromium`` (``.ci/run`` installs it); :func:`chromium` skips a test where it is
missing, but fails in CI. The browser starts with a fresh profile and everything that
would reach the network turned off; a page is driven over one websocket: load, evaluate,
screenshot, and every console message, exception and security report collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import subprocess
import time
from typing import Any
import urllib.request

from .conftest import require

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
)  # fmt: skip


def chromium() -> str:
    """The Chromium binary (skip, or fail in CI, when there is none)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    require(found is not None, "chromium not installed (apt-get install chromium)")
    assert found is not None
    return found


_LOUD = ("error", "warning", "assert")
"""Console calls that are a problem."""


@dataclass
class Page:
    """One browser tab, over its DevTools websocket."""

    socket: Any
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Every event received, in order."""
    _next: int = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its result (collecting events meanwhile)."""
        self._next += 1
        self.socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self._next:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.messages.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        """The first event called *event* (received already, or next)."""
        for message in self.messages:
            if message.get("method") == event:
                return message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv(timeout=deadline - time.monotonic()))
            self.messages.append(message)
            if message.get("method") == event:
                return message
        raise AssertionError(f"no {event} within {timeout} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript *expression* in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and log entries (CSP
        violations among them) the page produced."""
        found = []
        for message in self.messages:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
            ):
                found.append(json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                found.append(f"{entry.get('level')}: {entry.get('text')}")
        return found


@contextmanager
def open_page(tmp: Path, width: int = 1200, height: int = 800) -> Iterator[Page]:
    """A fresh headless Chromium and one blank tab of *width* x *height*, console and
    log events on."""
    from websockets.sync.client import connect

    profile = tmp / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "LANG": "C"},
    )  # fmt: skip
    try:
        port = _port(profile / "DevToolsActivePort")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            target = json.loads(answer.read())
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as socket:
            page = Page(socket)
            for domain in ("Page", "Runtime", "Log"):
                page.call(f"{domain}.enable")
            page.call(
                "Emulation.setDeviceMetricsOverride", width=width, height=height,
                deviceScaleFactor=1, mobile=False,
            )  # fmt: skip
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _port(path: Path, timeout: float = 20) -> int:
    """The DevTools port Chromium writes into its profile once it listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and (text := path.read_text().strip()):
            return int(text.splitlines()[0])
        time.sleep(0.05)
    raise AssertionError(f"Chromium did not start within {timeout} s")
