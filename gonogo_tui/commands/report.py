"""`gonogo report`: a decision record as a chat message (markdown) or a one-page HTML report,
or a walkthrough's path to GO as a chat message; optionally posted to a chat webhook."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gonogo_tui.core.errors import GonogoError

EXIT_POST_FAILED = 1
POST_TIMEOUT = 10.0


def register(subparsers: Any) -> None:
    """Add the `report` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="render a decision record for stakeholders (markdown message or HTML page)",
        description="Render RECORD (a go_decision_*/no_go_decision_* .txt or .json) as a "
        "message for the deploys channel (markdown) or a self-contained HTML page, or a "
        "walkthrough summary (walkthrough_*.md or .json) as a message with the path to GO, "
        "and "
        "optionally post the message to a Slack-compatible webhook. Exit codes: 0 done, "
        "1 the post failed, 2 unusable input.",
    )
    parser.add_argument(
        "record",
        type=Path,
        help="decision record (.txt or its .json twin), or walkthrough_*.md / .json",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "html"),
        default=None,
        help="text: the message as a terminal shows it (no `&amp;` escapes); markdown: "
        "escaped for the chat (Slack mrkdwn); html: a one-page report (default: text on a "
        "terminal, markdown when piped, with --output or --post)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    parser.add_argument(
        "--link",
        metavar="URL",
        help="where readers find the record (default: its path), e.g. a CI artifact URL",
    )
    parser.add_argument(
        "--post",
        metavar="URL",
        help='POST the markdown as JSON {"text": ...} to this webhook (TLS verified)',
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run `gonogo report`."""
    from gonogo_tui.core.records.export import record_html, record_markdown, unescaped
    from gonogo_tui.core.records.reading import load_record
    from gonogo_tui.core.walkthrough_chat import (
        is_walkthrough,
        load_walkthrough,
        walkthrough_markdown,
    )

    if args.format is None:  # a person at a terminal reads it; a pipe or file feeds a chat
        plain = args.output is None and args.post is None and sys.stdout.isatty()
        args.format = "text" if plain else "markdown"
    if is_walkthrough(args.record):
        if args.format == "html":
            raise GonogoError(f"{args.record}: a walkthrough summary has no HTML form")
        markdown = walkthrough_markdown(load_walkthrough(args.record), link=args.link)
        rendered = markdown
    else:
        view = load_record(args.record)
        markdown = record_markdown(view, link=args.link)
        rendered = record_html(view) if args.format == "html" else markdown
    if args.format == "text":
        rendered = unescaped(rendered)
    if args.output is not None:
        try:
            args.output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise GonogoError(f"--output {args.output}: {exc.strerror or exc}") from None
    elif args.post is None or args.format == "html":
        sys.stdout.write(rendered)
    if args.post is not None:
        return post_message(args.post, markdown)
    return 0


def webhook_label(url: str) -> str:
    """The webhook without its path and query, which hold its secret (Slack's do)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def post_message(url: str, text: str) -> int:
    """POSTs `{"text": text}` to a webhook; prints one line saying how it went.

    Returns:
        0 when the webhook accepted it (2xx), else 1.

    Raises:
        GonogoError: the URL is not an http(s) URL.
    """
    import httpx

    try:
        parts, _ = urlsplit(url), httpx.URL(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except (ValueError, httpx.InvalidURL):  # `.port` out of range or not a number
        usable = False
    if not usable:
        raise GonogoError("--post: expected an http:// or https:// webhook URL")
    label = webhook_label(url)
    # httpx logs the URL it posts to (shown with -v): its path and query are the secret.
    from gonogo_tui.commands.common import redact_logs
    from gonogo_tui.core.redaction import Redactor

    parts = urlsplit(url)
    redact_logs(Redactor(text for text in (parts.path, parts.query) if len(text) > 1))
    try:
        response = httpx.post(url, json={"text": text}, timeout=POST_TIMEOUT)
    except httpx.HTTPError as exc:
        print(f"gonogo: posting to {label} failed: {_reason(exc, url)}", file=sys.stderr)
        return EXIT_POST_FAILED
    except (httpx.InvalidURL, ValueError, ImportError) as exc:  # the proxy variables
        from gonogo_tui.core.execution.http_pool import proxy_problem

        raise GonogoError(f"--post: {proxy_problem(exc)}") from None
    except OSError as exc:  # before any connection: the CA certificates cannot be read
        # httpx reads SSL_CERT_FILE if set, else SSL_CERT_DIR, else certifi's bundle.
        named = [name for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(name)]
        where = f" from {named[0]}={os.environ[named[0]]}" if named else ""
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise GonogoError(
            f"--post: cannot read the trusted CA certificates{where} ({reason})"
        ) from None
    if not response.is_success:
        body = " ".join(response.text.split())[:120]
        print(
            f"gonogo: {label} refused the message: {response.status_code} {body}",
            file=sys.stderr,
        )
        return EXIT_POST_FAILED
    print(f"gonogo: posted to {label} ({response.status_code})", file=sys.stderr)
    return 0


def _reason(exc: Exception, url: str) -> str:
    """The innermost cause's message, without the URL (which holds the secret)."""
    cause: BaseException = exc
    seen = {id(cause)}
    while (inner := cause.__cause__ or cause.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        cause = inner
    text = (str(cause) or type(cause).__name__).replace(url, webhook_label(url))
    path = urlsplit(url).path
    if len(path) > 1:
        text = text.replace(path, "/...")
    return " ".join(text.split())[:200]
