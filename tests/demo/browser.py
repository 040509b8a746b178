"""Debian's headless Chromium driven over the DevTools protocol: load a textual-serve page,
wait until the app's text has arrived over its websocket, take a screenshot."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--mute-audio",
    # Nothing leaves the machine: every host but 127.0.0.1 fails to resolve, without a DNS
    # query (textual-serve's page links a web font on fonts.googleapis.com).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1280,800",
)
_ANSI = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")
_SPACE_RUNS = re.compile(r"[ \t]+")


def chromium_binary() -> str:
    found = shutil.which("chromium")
    if found is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    return found


def terminal_text(raw: bytes) -> str:
    """What a terminal stream says, escape sequences removed and blank runs squeezed."""
    return _SPACE_RUNS.sub(" ", _ANSI.sub(" ", raw.decode("utf-8", errors="replace")))


class HeadlessChromium:
    """One headless Chromium with a fresh profile; its whole process group ends on exit."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="gonogo-chromium-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [
                chromium_binary(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.exists() and active.read_text().strip()):
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port within 30 s")
            time.sleep(0.05)
        self.port = int(active.read_text().split()[0])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            for signum, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signum)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(wait)
                    break
        if process is not None:
            process.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # helpers that outlived the browser
        shutil.rmtree(self.profile, ignore_errors=True)

    def screenshot_when(self, url: str, text: str, path: Path, timeout: float = 30.0) -> str:
        """Loads `url`, waits until `text` has arrived in the app's websocket stream and the
        terminal has painted, then writes a PNG of the page to `path`.

        Returns:
            The terminal text received so far (escape sequences removed).
        """
        return asyncio.run(asyncio.wait_for(self._screenshot(url, text, path), timeout))

    async def _screenshot(self, url: str, text: str, path: Path) -> str:
        async with aiohttp.ClientSession(trust_env=False) as session:
            async with session.get(f"http://127.0.0.1:{self.port}/json/list") as answer:
                targets = await answer.json(content_type=None)
            page = next(target for target in targets if target["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                cdp = _Cdp(ws)
                reader = asyncio.create_task(cdp.read())
                try:
                    await cdp.call("Network.enable")
                    await cdp.call("Page.enable")
                    await cdp.call("Page.navigate", url=url)
                    received = await cdp.wait_for_text(text)
                    await cdp.call(
                        "Runtime.evaluate",
                        expression="new Promise(done => requestAnimationFrame("
                        "() => requestAnimationFrame(() => done("
                        "document.body.classList.contains('-first-byte')))))",
                        awaitPromise=True,
                    )
                    shot = await cdp.call("Page.captureScreenshot", format="png")
                    path.write_bytes(base64.b64decode(shot["data"]))
                    return received
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader


class _Cdp:
    """Commands and events of one DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.stream = bytearray()
        self.changed = asyncio.Event()

    async def read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.pending:
                future = self.pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"CDP error: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            elif data.get("method") == "Network.webSocketFrameReceived":
                frame = data["params"]["response"]
                payload = frame["payloadData"]
                self.stream += (
                    base64.b64decode(payload) if frame.get("opcode") == 2 else payload.encode()
                )
                self.changed.set()

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[number] = future
        await self.ws.send_json({"id": number, "method": method, "params": params})
        return await future

    async def wait_for_text(self, text: str) -> str:
        while True:
            received = terminal_text(bytes(self.stream))
            if text in received:
                return received
            self.changed.clear()
            await self.changed.wait()


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


__all__ = ["CHROMIUM_FLAGS", "HeadlessChromium", "png_size", "terminal_text"]
