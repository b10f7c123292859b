"""The synchronous client of the Shieldwall API (`/api/v1/`), on httpx."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx

from shieldwall_client import __version__
from shieldwall_client.errors import ShieldwallError, ShieldwallUnavailable
from shieldwall_client.events import Event
from shieldwall_client.models import (
    Action,
    ActionPage,
    AddResult,
    Bank,
    EventResult,
    EventsResult,
    Frame,
    HashRow,
    HashtagCheck,
    PlatformProfile,
    Report,
    ReportFlow,
    ScanResult,
    SearchCheck,
)

Media = bytes | str | os.PathLike[str] | IO[bytes]
AckStatus = Literal["applied", "failed", "ignored"]
ReportSubject = Literal["post", "account", "hashtag"]
T = TypeVar("T")

MAX_EVENTS_PER_REQUEST = 1000
MAX_TAGS_PER_REQUEST = 100  # the API's limit; longer lists go in overlapping batches
MAX_TAG_LENGTH = 200
MAX_QUERY_LENGTH = 500
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_BACKOFF_SECONDS = 30.0
# Failures where the request never reached the server: safe to retry any call.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Upload:
    """Media to send as a multipart file: the whole file, rewound for each attempt."""

    def __init__(self, media: Media, filename: str | None) -> None:
        self._owned: IO[bytes] | None = None
        self._data: bytes | None = None
        self._file: IO[bytes] | None = None
        if isinstance(media, bytes | bytearray | memoryview):
            self._data = bytes(media)
            name = filename
        elif isinstance(media, str | os.PathLike):
            path = Path(media)
            self._owned = self._file = path.open("rb")
            name = filename or path.name
        elif hasattr(media, "read"):
            name = filename or Path(str(getattr(media, "name", "") or "upload")).name
            if media.seekable():  # httpx sends it whole from the start, on every attempt
                self._file = media
            else:
                self._data = media.read()
        else:
            raise TypeError(f"media must be bytes, a path or a binary file, not {type(media)}")
        self.filename = name or "upload"

    def part(self) -> tuple[str, bytes | IO[bytes]]:
        if self._file is not None:
            self._file.seek(0)
            return (self.filename, self._file)
        assert self._data is not None
        return (self.filename, self._data)

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()


def _error(response: httpx.Response, unavailable: bool = False) -> ShieldwallError:
    """The error a failed answer means: the server's JSON error, or a fallback."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    err = body.get("error") if isinstance(body, dict) else None
    field: str | None = None
    if isinstance(err, dict) and err.get("code"):
        code = str(err["code"])
        message = str(err.get("message") or response.reason_phrase)
        field = str(err["field"]) if err.get("field") else None
    else:
        code = "unavailable" if unavailable else f"http_{status}"
        detail = body.get("detail") if isinstance(body, dict) else None
        text = response.text.strip()
        if isinstance(detail, str):
            message = detail
        elif text and not text.startswith("<") and len(text) <= 500:
            message = text
        else:
            message = f"{response.reason_phrase or 'error'} (the answer was not a JSON error)"
    cls = ShieldwallUnavailable if unavailable else ShieldwallError
    return cls(status, code, message, field)


class Client:
    """A platform's connection to Shieldwall; close it (or use `with`) when done.

    `retries` is how many times a failed call is tried again, with exponential backoff and
    jitter: every call when the connection could not be made; reads, `scan`, `lookup`,
    `send_events`, `set_platform` and `ack` (all safe to repeat) also on a lost connection,
    a timeout or a 502/503/504 answer.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required (create one with `shieldwall apikey create`)")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        root = base_url.rstrip("/").removesuffix("/api/v1")
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=root + "/api/v1/",
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": f"shieldwall-client/{__version__}",
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"Client({str(self._http.base_url)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    # -- matching --------------------------------------------------------------------------

    def scan(
        self,
        media: Media,
        *,
        media_id: str | None = None,
        post_id: str | None = None,
        account_id: str | None = None,
        filename: str | None = None,
    ) -> ScanResult:
        """Scan media (bytes, a path, or a binary file) against every bank; keep the verdict.

        Give `media_id` (and the post and account) so that later sweeps and removals can
        find this media again by the platform's own ids.
        """
        form = {"media_id": media_id, "post_id": post_id, "account_id": account_id}
        data = {k: v for k, v in form.items() if v is not None}
        upload = _Upload(media, filename)
        try:
            response = self._send(
                "POST", "scan", idempotent=True, data=data, files=lambda: {"media": upload.part()}
            )
        finally:
            upload.close()
        return self._read(response, ScanResult.from_json)

    def lookup(
        self,
        *,
        md5: str | None = None,
        sha256: str | None = None,
        pdq: str | None = None,
        pdq_quality: int | None = None,
        vpdq: Sequence[Frame | Mapping[str, Any]] | None = None,
    ) -> ScanResult:
        """Match hashes the platform computed itself (the media is not sent)."""
        body: dict[str, Any] = {
            k: v
            for k, v in {
                "md5": md5,
                "sha256": sha256,
                "pdq": pdq,
                "pdq_quality": pdq_quality,
            }.items()
            if v is not None
        }
        if vpdq is not None:
            body["vpdq"] = [f.to_json() if isinstance(f, Frame) else dict(f) for f in vpdq]
        response = self._send("POST", "lookup", idempotent=True, json=body)
        return self._read(response, ScanResult.from_json)

    # -- events ----------------------------------------------------------------------------

    def send_events(self, events: Sequence[Event | Mapping[str, Any]]) -> EventsResult:
        """Send events, 1000 a request; safe to resend (the server de-duplicates by id).

        If a batch is refused, the batches before it were stored; the error's `field`
        counts from the first event given.
        """
        bodies = [e.to_json() if isinstance(e, Event) else dict(e) for e in events]
        accepted = duplicates = 0
        results: list[EventResult] = []
        for start in range(0, len(bodies), MAX_EVENTS_PER_REQUEST):
            chunk = bodies[start : start + MAX_EVENTS_PER_REQUEST]
            try:
                response = self._send("POST", "events", idempotent=True, json={"events": chunk})
            except ShieldwallError as exc:
                raise _shift_event_error(exc, start) from None
            page = self._read(response, EventsResult.from_json)
            accepted += page.accepted
            duplicates += page.duplicates
            results.extend(page.results)
        return EventsResult(accepted=accepted, duplicates=duplicates, results=results)

    # -- the platform's profile ---------------------------------------------------------

    def set_platform(
        self,
        *,
        hosts: Sequence[str],
        links: Mapping[str, Sequence[str]],
        media_hosts: Sequence[str] = (),
    ) -> PlatformProfile:
        """Tell Shieldwall how the platform's public links map to its ids (call it on start).

        `hosts` are the public hosts (`name` or `name:port`); `links` maps "post", "account"
        and "hashtag" to path patterns such as `/p/{id}`, `/@{handle}` and `/tag/{name}`;
        `media_hosts` are where moderators may load media from. The same profile again
        changes nothing (`changed` is False), so it is safe to send on every start.
        """
        body = {
            "hosts": list(hosts),
            "links": {str(t): list(p) for t, p in links.items()},
            "media_hosts": list(media_hosts),
        }
        response = self._send("PUT", "platform", idempotent=True, json=body)
        return self._read(response, PlatformProfile.from_json)

    def platform(self) -> PlatformProfile:
        """The profile the platform registered (ShieldwallError 404 before it has)."""
        response = self._send("GET", "platform", idempotent=True)
        return self._read(response, PlatformProfile.from_json)

    # -- actions ---------------------------------------------------------------------------

    def actions(self, after: str | None = None, limit: int = 100) -> ActionPage:
        """A page of actions in creation order, after the cursor `after` (None: the start)."""
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        response = self._send("GET", "actions", idempotent=True, params=params)
        return self._read(response, ActionPage.from_json)

    def ack(self, action_id: str, status: AckStatus, detail: str = "") -> Action:
        """Record what the platform did with an action (the last ack wins)."""
        if status not in ("applied", "failed", "ignored"):
            raise ValueError(f"status must be applied, failed or ignored, not {status!r}")
        response = self._send(
            "POST",
            f"actions/{quote(action_id, safe='')}/ack",
            idempotent=True,
            json={"status": status, "detail": detail},
        )
        return self._read(response, Action.from_json)

    # -- banks -----------------------------------------------------------------------------

    def banks(self) -> list[Bank]:
        """Every bank, with its counts of enabled entries."""
        response = self._send("GET", "banks", idempotent=True)
        return self._read(response, lambda d: [Bank.from_json(b) for b in d])

    def bank(self, name: str) -> Bank:
        """One bank by name."""
        response = self._send("GET", f"banks/{quote(name, safe='')}", idempotent=True)
        return self._read(response, Bank.from_json)

    def create_bank(
        self,
        name: str,
        *,
        kind: str | None = None,
        action: Literal["block", "review"] | str | None = None,
        pdq_threshold: int | None = None,
        video_query_pct: float | None = None,
        video_bank_pct: float | None = None,
        enabled: bool | None = None,
    ) -> Bank:
        """Create an empty bank (settings left as None take the server's defaults)."""
        fields = {
            "name": name,
            "kind": kind,
            "action": action,
            "pdq_threshold": pdq_threshold,
            "video_query_pct": video_query_pct,
            "video_bank_pct": video_bank_pct,
            "enabled": enabled,
        }
        body = {k: v for k, v in fields.items() if v is not None}
        response = self._send("POST", "banks", idempotent=False, json=body)
        return self._read(response, Bank.from_json)

    def add_hashes(self, bank: str, rows: Iterable[HashRow | Mapping[str, Any]]) -> AddResult:
        """Add hashes to a bank, all or nothing."""
        hashes = [r.to_json() if isinstance(r, HashRow) else dict(r) for r in rows]
        response = self._send(
            "POST",
            f"banks/{quote(bank, safe='')}/hashes",
            idempotent=False,
            json={"hashes": hashes},
        )
        return self._read(response, AddResult.from_json)

    def add_bank_media(
        self, bank: str, media: Media, *, note: str = "", filename: str | None = None
    ) -> AddResult:
        """Hash media into a bank (the server keeps the hashes, not the media)."""
        upload = _Upload(media, filename)
        try:
            response = self._send(
                "POST",
                f"banks/{quote(bank, safe='')}/media",
                idempotent=False,
                data={"note": note},
                files=lambda: {"media": upload.part()},
            )
        finally:
            upload.close()
        return self._read(response, AddResult.from_json)

    # -- reports ---------------------------------------------------------------------------

    def report_flow(self, subject: ReportSubject | str, has_media: bool = False) -> ReportFlow:
        """The report flow's step tree for a post (with or without media), account or hashtag.

        Render it step by step; it changes rarely, so caching it for a minute is fine.
        """
        params: dict[str, str | int] = {
            "subject": subject,
            "has_media": "true" if has_media else "false",
        }
        response = self._send("GET", "report-flow", idempotent=True, params=params)
        return self._read(response, ReportFlow.from_json)

    def submit_report(
        self,
        *,
        idempotency_key: str,
        subject_type: ReportSubject | str,
        subject_id: str,
        path: Sequence[tuple[str, str] | Mapping[str, str]],
        fields: Mapping[str, Any] | None = None,
        subject_handle: str = "",
        subject_url: str = "",
        has_media: bool = False,
        reporter_id: str = "",
    ) -> Report:
        """Submit a report along a path of (step, option) answers that ends with Submit.

        The same `idempotency_key` returns the report stored the first time (`created` is
        then False), so a double click or a retry never files two reports; it is retried
        like the reads. An impossible path or a bad field raises ShieldwallError (422).
        """
        if not idempotency_key:
            raise ValueError("idempotency_key is required (one per report the person files)")
        answers = [
            {"step": str(a["step"]), "option": str(a["option"])}
            if isinstance(a, Mapping)
            else {"step": str(a[0]), "option": str(a[1])}
            for a in path
        ]
        body = {
            "idempotency_key": idempotency_key,
            "subject": {
                "type": subject_type,
                "id": subject_id,
                "handle": subject_handle,
                "url": subject_url,
                "has_media": has_media,
            },
            "path": answers,
            "fields": dict(fields or {}),
            "reporter": {"platform_id": reporter_id},
        }
        response = self._send("POST", "reports", idempotent=True, json=body)
        created = response.status_code == 201
        return self._read(response, lambda d: Report.from_json(d, created=created))

    def report_status(self, report_id: str) -> Report:
        """A report this key submitted, with its status, to tell the reporter."""
        response = self._send("GET", f"reports/{quote(report_id, safe='')}", idempotent=True)
        return self._read(response, Report.from_json)

    # -- hashtag and search checks --------------------------------------------------------

    def check_hashtags(self, tags: Sequence[str]) -> list[HashtagCheck]:
        """Whether each tag is suppressed, in the order given; adjacent tags are also read
        together, so give a post's tags (or a query's) in their order.

        No tags: no call. More than 100 go in batches of 100 that overlap by one tag, so no
        adjacent pair is missed (the tag in both batches is suppressed if either says so).
        A tag longer than 200 characters raises ValueError before anything is sent.
        """
        names = [str(t) for t in tags]
        for n, tag in enumerate(names):
            if len(tag) > MAX_TAG_LENGTH:
                raise ValueError(f"tag {n} is longer than {MAX_TAG_LENGTH} characters")
        results: list[HashtagCheck] = []
        start = 0
        while start < len(names):
            chunk = names[start : start + MAX_TAGS_PER_REQUEST]
            response = self._send("POST", "hashtags/check", idempotent=True, json={"tags": chunk})
            page = self._read(response, HashtagCheck.list_from_json)
            if len(page) != len(chunk):
                raise ShieldwallError(
                    response.status_code,
                    "bad_response",
                    f"{len(chunk)} tags were checked but {len(page)} results came back",
                )
            if results and start < len(results):  # the overlapping tag: suppressed wins
                if page[0].suppressed and not results[-1].suppressed:
                    results[-1] = page[0]
                page = page[1:]
            results.extend(page)
            if start + MAX_TAGS_PER_REQUEST >= len(names):
                break
            start += MAX_TAGS_PER_REQUEST - 1
        return results

    def check_search(self, query: str) -> SearchCheck:
        """Whether a free-text search query is suppressed, with the interstitial to show
        instead of results when it is. A query longer than 500 characters raises ValueError."""
        if len(query) > MAX_QUERY_LENGTH:
            raise ValueError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
        response = self._send("POST", "search/check", idempotent=True, json={"query": query})
        return self._read(response, SearchCheck.from_json)

    # -- transport -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Callable[[], Mapping[str, tuple[str, bytes | IO[bytes]]]] | None = None,
    ) -> httpx.Response:
        """One call with retries; returns a 2xx answer or raises."""
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = self._http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    data=data,
                    files=files() if files else None,
                )
            except httpx.TransportError as exc:
                if attempt >= self.retries or not (idempotent or isinstance(exc, NOT_SENT)):
                    raise _unavailable(method, path, exc, attempt + 1, idempotent) from exc
            else:
                if response.is_success:
                    return response
                retryable = idempotent and response.status_code in RETRY_STATUSES
                if not retryable or attempt >= self.retries:
                    raise _error(response, unavailable=response.status_code in RETRY_STATUSES)
                retry_after = _retry_after(response)
            time.sleep(self._delay(attempt, retry_after))
            attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_BACKOFF_SECONDS)
        ceiling = min(MAX_BACKOFF_SECONDS, self.backoff * 2**attempt)
        return random.uniform(0, ceiling)  # noqa: S311 (jitter, not a secret)

    def _read(self, response: httpx.Response, reader: Callable[[Any], T]) -> T:
        try:
            return reader(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ShieldwallError(
                response.status_code,
                "bad_response",
                f"unexpected answer to {response.request.method} {response.request.url.path}: "
                f"{type(exc).__name__}: {exc}",
            ) from None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _unavailable(
    method: str, path: str, exc: httpx.TransportError, attempts: int, idempotent: bool
) -> ShieldwallUnavailable:
    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection_failed"
    tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    message = f"{method} /api/v1/{path}: {type(exc).__name__} {tries}: {exc}"
    if not idempotent and not isinstance(exc, NOT_SENT):
        message += " (the request may or may not have been applied)"
    return ShieldwallUnavailable(0, kind, message)


def _shift_event_error(exc: ShieldwallError, offset: int) -> ShieldwallError:
    """An error from a later batch, with its event index counted from the first event."""
    if offset == 0:
        return exc
    field, message = exc.field, exc.message
    if field and field.startswith("events."):
        head, _, rest = field.removeprefix("events.").partition(".")
        if head.isdigit():
            old = f"events.{head}"
            new = f"events.{int(head) + offset}"
            field = new + ("." + rest if rest else "")
            message = message.replace(old, new, 1)
    message += f" (the first {offset} events were sent and stored; resending them is safe)"
    return type(exc)(exc.status, exc.code, message, field)
