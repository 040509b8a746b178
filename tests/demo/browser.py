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
from collections.abc import AsyncIterator
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
    "--window-size=1280,1000",
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

        async def shoot() -> str:
            async with self.page() as page:
                await page.goto(url)
                received = await page.wait_for_text(text)
                await page.screenshot(path)
                return received

        return asyncio.run(asyncio.wait_for(shoot(), timeout))

    @contextlib.asynccontextmanager
    async def page(self) -> AsyncIterator[Page]:
        """The browser's tab, driven over its DevTools websocket."""
        async with aiohttp.ClientSession(trust_env=False) as session:
            async with session.get(f"http://127.0.0.1:{self.port}/json/list") as answer:
                targets = await answer.json(content_type=None)
            target = next(target for target in targets if target["type"] == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                cdp = _Cdp(ws)
                reader = asyncio.create_task(cdp.read())
                try:
                    await cdp.call("Network.enable")
                    await cdp.call("Page.enable")
                    yield Page(cdp)
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader


class Page:
    """One tab: navigate, read what the app sent, type, take screenshots."""

    def __init__(self, cdp: _Cdp) -> None:
        self._cdp = cdp

    @property
    def text(self) -> str:
        """Everything the app has sent so far, as terminal text."""
        return terminal_text(bytes(self._cdp.stream))

    async def goto(self, url: str) -> None:
        await self._cdp.call("Page.navigate", url=url)

    async def wait_for_text(self, *texts: str, timeout: float = 20.0) -> str:
        """Waits until every one of `texts` has arrived since the page was loaded."""
        return await self._wait(texts, 0, timeout)

    async def wait_for_new_text(self, *texts: str, timeout: float = 20.0) -> str:
        """Waits until every one of `texts` arrives after this call."""
        return await self._wait(texts, len(self._cdp.stream), timeout)

    async def _wait(self, texts: tuple[str, ...], start: int, timeout: float) -> str:
        try:
            return await asyncio.wait_for(self._cdp.wait_for_text(*texts, start=start), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{texts!r} did not arrive within {timeout:g} s; the app sent:\n"
                + terminal_text(bytes(self._cdp.stream[start:]))[-2000:]
            ) from None

    async def press(self, key: str) -> None:
        """Types one printable character into the terminal, as a person at the page would."""
        await self._cdp.call(
            "Runtime.evaluate",
            expression="document.querySelector('.xterm-helper-textarea').focus()",
        )
        await self._cdp.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
        await self._cdp.call("Input.dispatchKeyEvent", type="keyUp", key=key)

    async def screenshot(self, path: Path) -> None:
        """Waits for two animation frames (the terminal paints on one), then saves a PNG."""
        await self._cdp.call(
            "Runtime.evaluate",
            expression="new Promise(done => requestAnimationFrame("
            "() => requestAnimationFrame(() => done(true))))",
            awaitPromise=True,
        )
        shot = await self._cdp.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


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

    async def wait_for_text(self, *texts: str, start: int = 0) -> str:
        while True:
            received = terminal_text(bytes(self.stream[start:]))
            if all(text in received for text in texts):
                return received
            self.changed.clear()
            await self.changed.wait()


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


__all__ = ["CHROMIUM_FLAGS", "HeadlessChromium", "Page", "png_size", "terminal_text"]
