"""TLS contexts for probe clients: verification on by default, the CA bundle read lazily.

Reading the CA bundle costs CPU that a checklist of `http://` targets never needs
(docs/benchmarks.md, "Why the code is shaped so"). The verifying context reads it when it
first wraps a connection, so verification is unchanged and plain-HTTP runs do not pay.
"""

from __future__ import annotations

import functools
import os
import ssl
import threading
from typing import Any


class TrustStoreError(ssl.SSLError):
    """The trusted CA certificates (`SSL_CERT_FILE`, `SSL_CERT_DIR`) cannot be read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason = message

    def __str__(self) -> str:
        return str(self.reason)


class DeferredTrustContext(ssl.SSLContext):
    """A verifying client context (hostname checked, certificate required) that loads its
    trusted CA certificates on the first `wrap_bio` or `wrap_socket`."""

    trust_file: str | None = None
    trust_dir: str | None = None
    _trusted = False
    _lock = threading.Lock()

    def _load_trust(self) -> None:
        if self._trusted:
            return
        with self._lock:
            if not self._trusted:
                try:
                    self.load_verify_locations(cafile=self.trust_file, capath=self.trust_dir)
                except OSError as exc:  # ssl.SSLError too: a file without certificates
                    raise TrustStoreError(self._unreadable(exc)) from None
                self._trusted = True

    def _unreadable(self, exc: OSError) -> str:
        if self.trust_file == os.environ.get("SSL_CERT_FILE"):
            where = f"SSL_CERT_FILE={self.trust_file}"
        elif self.trust_dir is not None:
            where = f"SSL_CERT_DIR={self.trust_dir}"
        else:
            where = str(self.trust_file)
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        return f"cannot read the trusted CA certificates from {where} ({reason})"

    @property
    def trusted(self) -> bool:
        """Whether the CA certificates have been read."""
        return self._trusted

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)


def verifying_context() -> DeferredTrustContext:
    """What `httpx.create_ssl_context(verify=True)` builds (SSL_CERT_FILE, then
    SSL_CERT_DIR, then certifi's bundle), with the certificates read on first use."""
    context = DeferredTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    if os.environ.get("SSL_CERT_FILE"):
        context.trust_file = os.environ["SSL_CERT_FILE"]
    elif os.environ.get("SSL_CERT_DIR"):
        context.trust_dir = os.environ["SSL_CERT_DIR"]
    else:
        import certifi

        context.trust_file = certifi.where()
    return context


@functools.cache
def client_context(*, insecure: bool) -> ssl.SSLContext:
    """One TLS context per verification mode, shared by every probe client."""
    if not insecure:
        return verifying_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
