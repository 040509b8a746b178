"""Who may watch a served review: textual-serve's server with a gate in front of it.

textual-serve starts one process per websocket, for anyone who connects: a page on another
site could open the meeting in a colleague's browser (browsers let any page open a
websocket to 127.0.0.1), and a flood of websockets starts a flood of processes. Here every
request must name the served address in its Host header (a DNS-rebound name does not), the
page and its websocket must carry the URL's random token, the websocket's Origin must be
the served address (or, served on loopback, another loopback name for it), and at most
`max_viewers` viewers run at once. Each refusal is an HTTP error with a one-line text body,
given before any viewer process starts. The token never reaches a log: aiohttp's access
log (which writes each request line) is off.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

log = logging.getLogger("gonogo.viewers")

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
"""The names a browser on the operator's machine may use for a loopback address."""
WILDCARDS = ("0.0.0.0", "::", "")
"""Addresses meaning every interface: the served name is then whatever the Host header says."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_authorities(host: str, port: int) -> frozenset[str] | None:
    """The `host:port` values a request may name when served on HOST:PORT (lower case);
    None when served on every interface (any name, but the Origin must match it)."""
    if host in WILDCARDS:
        return None
    named = f"[{host}]" if ":" in host else host
    names = {named.lower(), *(LOOPBACK_NAMES if _is_loopback(host) else ())}
    return frozenset(f"{name}:{port}" for name in names)


def refusal(status: int, reason: str) -> web.Response:
    """An HTTP refusal whose body says why in one line (what a browser shows)."""
    log.warning("refused a viewer (%s): %s", status, reason)
    return web.Response(status=status, text=f"gonogo: {reason}\n")


class GuardedServer(Server):
    """textual-serve's `Server` with a token, a Host and Origin check and a viewer limit.

    Args:
        command: the shell command run for each viewer.
        host: address listened on.
        port: port listened on.
        title: the page's title.
        templates_path: folder of the page's template.
        token: the secret every URL must carry.
        max_viewers: viewers at once.
    """

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        templates_path: Any,
        token: str,
        max_viewers: int,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=templates_path)
        self._token = token
        self._max_viewers = max_viewers
        self._viewers = 0
        self._allowed = allowed_authorities(host, port)

    def initialize_logging(self) -> None:
        """textual-serve's logging without aiohttp's access log (its lines hold the token)."""
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_host])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/ws", self._no_token),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        return app

    @web.middleware
    async def _check_host(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._allowed is not None and request.host.lower() not in self._allowed:
            return refusal(403, f"this review is served as {self.public_url}, not {request.host}")
        return await handler(request)

    async def _no_token(self, request: web.Request) -> web.StreamResponse:
        return refusal(403, "the URL has no token: open the URL the operator gave")

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self._token.encode())

    def _full(self) -> web.Response | None:
        if self._viewers < self._max_viewers:
            return None
        return refusal(
            503,
            f"the viewer limit is reached ({self._max_viewers} viewers watch this review); "
            "try again when one leaves",
        )

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page: with the right token and room for one more viewer."""
        if not self._token_ok(request.query.get("token")):
            return refusal(403, "wrong or missing token: open the URL the operator gave")
        full = self._full()
        if full is not None:
            return full
        font_size = request.query.get("fontsize", "16")
        # The websocket goes to the name the browser used (one Origin for page and socket).
        context = {
            "font_size": int(font_size) if font_size.isdigit() else 16,
            "app_websocket_url": f"ws://{request.host}/ws/{self._token}",
            "config": {"static": {"url": f"http://{request.host}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One viewer: checked, counted, and only then given a process."""
        refused = self._check_websocket(request)
        if refused is not None:
            # Raised: textual-serve's handler (overridden here) returns a websocket.
            error = web.HTTPServiceUnavailable if refused.status == 503 else web.HTTPForbidden
            raise error(text=refused.text, content_type="text/plain")
        # Counted before the first await: no second handshake can slip past the limit.
        self._viewers += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self._viewers -= 1

    def _check_websocket(self, request: web.Request) -> web.Response | None:
        if not self._token_ok(request.match_info.get("token")):
            return refusal(403, "wrong token: open the URL the operator gave")
        origin = request.headers.get("Origin")
        if origin is None:
            return refusal(403, "no Origin header: viewers are browsers")
        expected = self._allowed if self._allowed is not None else {request.host.lower()}
        if origin.lower() not in {f"http://{authority}" for authority in expected}:
            return refusal(403, f"a page of {origin} may not watch this review")
        return self._full()
