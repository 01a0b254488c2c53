"""A polite HTTP client for the importers, and the same interface over local files.

Politeness (RFC 9110 §10.2.3 Retry-After, RFC 6585 §4 429 Too Many Requests):
- every request names the project and its version in `User-Agent`;
- at most `rate` requests per second leave for one source (the `import_rate` setting);
- a request waits at most `timeout` seconds for a response (`import_timeout`);
- 429 and 5xx answers, timeouts and dropped connections are retried up to `retries` times
  (`import_retries`): after the `Retry-After` the server asks for (seconds or an HTTP date),
  else after an exponential backoff (1 s, 2 s, 4 s, …); a server asking for more than
  MAX_RETRY_AFTER seconds is not waited for;
- other 4xx answers are not retried.
Any request that cannot be answered raises SourceUnreadable: the importers then write
nothing. Stdlib only (urllib), like the federation client of graph/store.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path

from ..errors import SourceUnreadable

MAX_RETRY_AFTER = 300.0  # seconds; a longer wait is reported instead of slept through
MAX_BYTES = 64 * 1024 * 1024  # one response
PROJECT_URL = "https://w3id.org/prospectus"
RETRIED = {429, 500, 502, 503, 504}


def user_agent() -> str:
    try:
        version = metadata.version("prospectus")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    return f"Prospectus/{version} (+{PROJECT_URL}; linked-data importer)"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Fetched:
    """One response: the URL it answers, its bytes and media type, and when it came."""

    url: str
    body: bytes
    media_type: str
    fetched: datetime


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class Client:
    """GET with retries, backoff and a request rate; one client per import run."""

    rate: float = 2.0
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utc_now
    requests: int = 0  # sent, retries included
    _last: float | None = field(default=None, repr=False)

    def _pace(self) -> None:
        if self.rate <= 0 or self._last is None:
            return
        wait = self._last + 1.0 / self.rate - self.clock()
        if wait > 0:
            self.sleep(wait)

    def get(self, url: str, accept: str = "application/json") -> Fetched:
        headers = {"User-Agent": user_agent(), "Accept": accept}
        problem = "no answer"
        for attempt in range(self.retries + 1):
            self._pace()
            self._last = self.clock()
            self.requests += 1
            request = urllib.request.Request(url, headers=headers, method="GET")
            wait: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    body = response.read(MAX_BYTES + 1)
                    if len(body) > MAX_BYTES:
                        raise SourceUnreadable(url, f"the answer is larger than {MAX_BYTES} bytes")
                    media_type = response.headers.get_content_type()
                    return Fetched(response.geturl(), body, media_type, self.now())
            except urllib.error.HTTPError as exc:
                status = exc.code
                problem = f"HTTP {status} {exc.reason}"
                if status not in RETRIED:
                    raise SourceUnreadable(url, problem) from None
                wait = retry_after(exc.headers.get("Retry-After"), self.now())
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise SourceUnreadable(
                        url,
                        f"{problem}: the server asks to retry after {wait:.0f} s, longer than "
                        f"the {MAX_RETRY_AFTER:.0f} s an import waits",
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", None) or exc
                problem = f"no answer ({reason})"
            if attempt == self.retries:
                break
            self.sleep(wait if wait is not None else self.backoff * 2**attempt)
        tries = self.retries + 1
        raise SourceUnreadable(url, f"{problem} after {tries} attempt{'s' if tries > 1 else ''}")


MEDIA_TYPES = {
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle",
    ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml",
    ".nt": "application/n-triples",
    ".html": "text/html",
    ".htm": "text/html",
}


def read_file(path: Path, now: Callable[[], datetime] = utc_now) -> Fetched:
    """A local file as if fetched: its file: URL, bytes, media type by extension."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise SourceUnreadable(str(path), exc.strerror or str(exc)) from None
    media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return Fetched(path.resolve().as_uri(), body, media_type, now())


def is_url(text: str) -> bool:
    return urllib.parse.urlsplit(text).scheme in ("http", "https")


def client_for(settings: object) -> Client:
    """A client with the import_rate, import_timeout and import_retries settings."""
    return Client(
        rate=float(settings.import_rate),  # type: ignore[attr-defined]
        timeout=float(settings.import_timeout),  # type: ignore[attr-defined]
        retries=int(settings.import_retries),  # type: ignore[attr-defined]
    )
