"""Fill banks from hash exchanges (a file, NCMEC hash sharing, StopNCII) via threatexchange.

Each sync fetches the exchange's whole current state through threatexchange's client and
`SignalExchangeAPI` (`fetch_iter`, merged with `naive_fetch_merge`, so deletions and
withdrawals drop records), then makes the bank's exchange entries exactly that set in one
transaction: missing hashes are added with `add_hashes`, hashes the exchange no longer holds
are removed with `remove_entries`. Credentials are read at sync time from the environment
variables that the exchange's config names (see `CREDENTIAL_ENV_DEFAULTS`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import transaction
from django.utils import timezone
from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.ncmec.hash_api import (
    NCMECEntryType,
    NCMECEntryUpdate,
    NCMECEnvironment,
    NCMECHashAPI,
)
from threatexchange.exchanges.clients.stopncii.api import (
    StopNCIIAPI,
    StopNCIICaseStatus,
    StopNCIIHashRecord,
    StopNCIISignalType,
)
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl.file_api import (
    FileCollaborationConfig,
    LocalFileSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICheckpoint,
    StopNCIISignalExchangeAPI,
    StopNCIISignalMetadata,
)
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.signal_type.signal_base import SignalType as TXSignalType

from shieldwall.banks import guard
from shieldwall.banks.events import BankEvent
from shieldwall.banks.models import BankEntry, BankExchange, EntrySource, ExchangeApi, SignalType
from shieldwall.banks.permissions import MANAGE_BANKS, MANAGE_PROTECTED_BANKS, VIEW_BANKS
from shieldwall.banks.services import HashRow, add_hashes, get_bank, remove_entries
from shieldwall.banks.signals import SignalValueError, normalise_value
from shieldwall.core import audit, egress
from shieldwall.core.actors import Actor, ActorKind, require
from shieldwall.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError

# threatexchange's signal names (and ours, accepted in files) -> the bank's signal type.
# threatexchange's video_md5/video_sha256 are digests of the file bytes, as ours are.
SIGNAL_NAMES: dict[str, SignalType] = {
    PdqSignal.get_name(): SignalType.PDQ,
    VideoMD5Signal.get_name(): SignalType.MD5,
    VideoSHA256Signal.get_name(): SignalType.SHA256,
    SignalType.MD5.value: SignalType.MD5,
    SignalType.SHA256.value: SignalType.SHA256,
}
EXCHANGE_TYPES = (SignalType.PDQ, SignalType.MD5, SignalType.SHA256)
TX_SIGNAL_TYPES: Sequence[type[TXSignalType]] = (PdqSignal, VideoMD5Signal, VideoSHA256Signal)

# NCMEC fingerprints we bank; image MD5s are digests of the file bytes, like ours (threatexchange
# 1.2 maps only video MD5s). SHA1, PhotoDNA, TMK+PDQF, ... are counted as skipped.
NCMEC_FINGERPRINTS: dict[tuple[NCMECEntryType, str], str] = {
    (NCMECEntryType.image, "pdq"): PdqSignal.get_name(),
    (NCMECEntryType.image, "md5"): SignalType.MD5.value,
    (NCMECEntryType.video, "md5"): VideoMD5Signal.get_name(),
}
STOPNCII_TYPES: dict[StopNCIISignalType, str] = {
    StopNCIISignalType.ImagePDQ: PdqSignal.get_name(),
    StopNCIISignalType.VideoMD5: VideoMD5Signal.get_name(),
}
STOPNCII_GONE = frozenset({StopNCIICaseStatus.Withdrawn, StopNCIICaseStatus.Deleted})

CREDENTIAL_ENV_DEFAULTS: dict[str, dict[str, str]] = {
    ExchangeApi.NCMEC: {
        "user_env": "SHIELDWALL_NCMEC_USER",
        "password_env": "SHIELDWALL_NCMEC_PASSWORD",
    },
    ExchangeApi.STOPNCII: {
        "subscription_key_env": "SHIELDWALL_STOPNCII_SUBSCRIPTION_KEY",
        "fetch_key_env": "SHIELDWALL_STOPNCII_FETCH_KEY",
    },
}
ENV_PREFIX: dict[str, str] = {
    ExchangeApi.NCMEC: "SHIELDWALL_NCMEC_",
    ExchangeApi.STOPNCII: "SHIELDWALL_STOPNCII_",
}
_TYPE_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")
ERRORS_KEPT = 5
REMOVE_BATCH = 1000


class ExchangeError(ServiceError):
    """A sync could not fetch from its exchange (unreachable, refused, unreadable answer)."""

    status = 502


@dataclass
class SyncResult:
    """What one sync did to the bank."""

    exchange_id: int
    bank: str
    api: str
    fetched: int = 0
    added: int = 0
    removed: int = 0
    relabelled: int = 0
    invalid: int = 0
    skipped_types: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The counts as plain JSON values (for the audit log, the CLI and the task result)."""
        return dataclasses.asdict(self)


@dataclass
class _Fetched:
    """An exchange's current hashes, each with the exchange's id for it, and what was refused."""

    wanted: frozenset[str]
    signals: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped_types: Counter[str] = field(default_factory=Counter)
    invalid: int = 0
    errors: list[str] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    records: int = 0  # records the exchange sent, tombstones included

    def offer(self, name: str, raw: str, external_id: str) -> None:
        """Take one hash named in threatexchange's vocabulary, or count why not."""
        ours = SIGNAL_NAMES.get(name)
        if ours is None or ours not in self.wanted:
            # Only name-like keys: a stray file's first words must not reach the audit log.
            self.skipped_types[name if _TYPE_NAME.fullmatch(name) else "other"] += 1
            return
        try:
            value = normalise_value(ours, raw)
        except SignalValueError as exc:
            self.refuse(f"{name} {raw[:80]!r}: {exc}")
            return
        key = (ours.value, value)
        external_id = (external_id or value)[:200]
        # The smallest id wins when several records share a hash, so it does not flap.
        if key not in self.signals or external_id < self.signals[key]:
            self.signals[key] = external_id

    def refuse(self, message: str) -> None:
        self.invalid += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(message)


# ---- services ----------------------------------------------------------------------------


def add_exchange(
    *, bank_name: str, api: str, config: Mapping[str, Any], actor: Actor, reason: str = ""
) -> BankExchange:
    """Attach a hash exchange to a bank (one per bank); its secrets stay in the environment."""
    require(actor, MANAGE_BANKS)
    if actor.kind == ActorKind.APIKEY:
        # Exchanges read files and call URLs on the server: an operator's decision.
        raise Forbidden("forbidden", "Platform API keys cannot configure hash exchanges.")
    require(actor, MANAGE_PROTECTED_BANKS)  # a bank an exchange fills is protected
    reason = guard.reason_for(
        actor=actor, reason=reason, what=f"Filling bank {bank_name!r} from an exchange protects it"
    )
    if api not in ExchangeApi.values:
        raise Invalid(
            "invalid_api", f"api must be one of {', '.join(ExchangeApi.values)}.", field="api"
        )
    cleaned = _CLEANERS[api](dict(config))
    with transaction.atomic():
        bank = get_bank(bank_name, for_update=True)
        if BankExchange.objects.filter(bank=bank).exists():
            raise Conflict("exchange_exists", f"Bank {bank_name!r} already has an exchange.")
        exchange = BankExchange.objects.create(bank=bank, api=api, config=cleaned)
        audit.record(
            actor=actor,
            action=BankEvent.EXCHANGE_ADDED,
            subject_type="bank_exchange",
            subject_id=exchange.pk,
            data={"bank": bank.name, "api": api, "config": cleaned, "reason": reason},
        )
    return exchange


def get_exchange(*, bank_name: str, actor: Actor) -> BankExchange:
    """The exchange that fills the bank named NAME, or NotFound."""
    require(actor, VIEW_BANKS)
    exchange = BankExchange.objects.select_related("bank").filter(bank__name=bank_name).first()
    if exchange is None:
        raise NotFound("exchange_not_found", f"Bank {bank_name!r} has no exchange.")
    return exchange


def sync_exchange(
    *, exchange_id: int, actor: Actor, allow_empty: bool = False, reason: str = ""
) -> SyncResult:
    """Fetch the exchange's current hashes and make the bank hold exactly those, atomically.

    The bank is protected, so the sync is staff's (or Shieldwall's own); emptying the bank
    on an empty fetch (allow_empty) needs a person's reason.
    """
    require(actor, MANAGE_BANKS)
    require(actor, MANAGE_PROTECTED_BANKS)
    if allow_empty:
        reason = guard.reason_for(
            actor=actor, reason=reason, what="Letting an empty fetch empty a bank"
        )
    exchange = BankExchange.objects.select_related("bank").filter(pk=exchange_id).first()
    if exchange is None:
        raise NotFound("exchange_not_found", f"No exchange has id {exchange_id}.")
    if not exchange.enabled:
        raise Invalid("exchange_disabled", f"The exchange of bank {exchange.bank.name!r} is off.")
    reason = guard.clean_reason(reason) or f"sync from the {exchange.api} exchange"
    try:
        fetched = _FETCHERS[exchange.api](exchange.config)
        return _apply(exchange_id, fetched, actor=actor, allow_empty=allow_empty, reason=reason)
    except ExchangeError as exc:
        _record_failure(exchange_id, exc, actor=actor)
        raise


def _apply(
    exchange_id: int, fetched: _Fetched, *, actor: Actor, allow_empty: bool, reason: str
) -> SyncResult:
    """Diff the fetched set against the bank's exchange entries and write it, with its audit."""
    with transaction.atomic(durable=True):
        exchange = (
            BankExchange.objects.select_for_update().select_related("bank").get(pk=exchange_id)
        )
        bank = get_bank(exchange.bank.name, for_update=True)
        result = SyncResult(exchange_id=exchange.pk, bank=bank.name, api=exchange.api)
        present: set[tuple[str, str]] = set()
        ours: dict[tuple[str, str], tuple[int, str]] = {}
        rows = BankEntry.objects.filter(bank=bank).values_list(
            "pk", "signal_type", "value", "source", "external_id"
        )
        for pk, signal_type, value, source, external_id in rows.iterator(chunk_size=5000):
            present.add((signal_type, value))
            if source == EntrySource.EXCHANGE:
                ours[(signal_type, value)] = (pk, external_id)
        if not fetched.records and ours and not allow_empty:
            # Nothing at all, not even deletions: more likely a fault than an emptied list.
            raise ExchangeError(
                "exchange_empty",
                f"The exchange sent no records; refusing to empty bank {bank.name!r} "
                f"({len(ours)} exchange entries). Sync with allow_empty (--allow-empty) "
                "if that is intended.",
            )
        new = [
            HashRow(signal_type, value, note=f"{exchange.api} exchange", external_id=ext)
            for (signal_type, value), ext in fetched.signals.items()
            if (signal_type, value) not in present
        ]
        if new:
            result.added = add_hashes(
                bank_name=bank.name,
                rows=new,
                actor=actor,
                source=EntrySource.EXCHANGE,
                reason=reason,
            ).added
        gone = [pk for key, (pk, _) in ours.items() if key not in fetched.signals]
        for start in range(0, len(gone), REMOVE_BATCH):
            result.removed += remove_entries(
                bank_name=bank.name,
                actor=actor,
                entry_ids=gone[start : start + REMOVE_BATCH],
                reason=reason,
            )
        relabel = [
            BankEntry(pk=pk, external_id=fetched.signals[key])
            for key, (pk, ext) in ours.items()
            if key in fetched.signals and fetched.signals[key] != ext
        ]
        BankEntry.objects.bulk_update(relabel, ["external_id"], batch_size=1000)
        result.relabelled = len(relabel)
        result.fetched = len(fetched.signals)
        result.invalid, result.errors = fetched.invalid, fetched.errors
        result.skipped_types = dict(sorted(fetched.skipped_types.items()))
        exchange.checkpoint = fetched.checkpoint
        exchange.last_fetch_at = timezone.now()
        exchange.last_error = (
            f"{fetched.invalid} invalid hashes skipped; first: " + "; ".join(fetched.errors)
            if fetched.invalid
            else ""
        )
        exchange.save(update_fields=["checkpoint", "last_fetch_at", "last_error"])
        audit.record(
            actor=actor,
            action=BankEvent.EXCHANGE_SYNCED,
            subject_type="bank_exchange",
            subject_id=exchange.pk,
            data={**result.as_dict(), "reason": reason},
        )
    return result


def _record_failure(exchange_id: int, exc: ServiceError, *, actor: Actor) -> None:
    with transaction.atomic(durable=True):
        exchange = (
            BankExchange.objects.select_for_update().select_related("bank").get(pk=exchange_id)
        )
        exchange.last_error = exc.message
        exchange.save(update_fields=["last_error"])
        audit.record(
            actor=actor,
            action=BankEvent.EXCHANGE_SYNC_FAILED,
            subject_type="bank_exchange",
            subject_id=exchange.pk,
            data={
                "bank": exchange.bank.name,
                "api": exchange.api,
                "code": exc.code,
                "message": exc.message,
            },
        )


# ---- configuration -------------------------------------------------------------------------


def _invalid(message: str, name: str = "config") -> Invalid:
    return Invalid("invalid_config", message, field=name)


def _check_keys(config: dict[str, Any], api: str, known: set[str]) -> None:
    unknown = sorted(set(config) - known)
    if unknown:
        raise _invalid(
            f"Unknown setting {unknown[0]!r} for a {api} exchange "
            f"(known: {', '.join(sorted(known))}). Secrets never go in the config."
        )


def _clean_signal_types(config: dict[str, Any]) -> list[str]:
    raw = config.get("signal_types") or [t.value for t in EXCHANGE_TYPES]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise _invalid("signal_types is a list of signal type names.", "signal_types")
    names = sorted({x.strip().lower() for x in raw})
    allowed = {t.value for t in EXCHANGE_TYPES}
    for name in names:
        if name not in allowed:
            raise _invalid(
                f"signal type {name!r} cannot come from an exchange "
                f"(choose from {', '.join(sorted(allowed))}).",
                "signal_types",
            )
    return names


def _clean_url(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _invalid("base_url is a URL.", "base_url")
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("base_url must be an http(s) URL with a host.", "base_url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise _invalid("base_url carries no credentials, query or fragment.", "base_url")
    # Credentials travel to it: https to a public host (http only to an allowed loopback).
    egress.check_url(raw.strip(), field="base_url")
    return raw.strip().rstrip("/")


def _clean_env_names(config: dict[str, Any], api: str) -> dict[str, str]:
    out = {}
    for key, default in CREDENTIAL_ENV_DEFAULTS[api].items():
        name = config.get(key, default)
        if (
            not isinstance(name, str)
            or not name.startswith(ENV_PREFIX[api])
            or not (name.replace("_", "").isalnum() and name.isupper())
        ):
            # Naming any other variable could send, say, DATABASE_URL to the exchange.
            raise _invalid(
                f"{key} names an environment variable starting with {ENV_PREFIX[api]}.", key
            )
        out[key] = name
    return out


def _clean_file(config: dict[str, Any]) -> dict[str, Any]:
    _check_keys(config, "file", {"path", "signal_type", "signal_types"})
    path = config.get("path")
    if not isinstance(path, str) or not Path(path).is_absolute():
        raise _invalid("path is the absolute path of the hash file.", "path")
    if not Path(path).is_file():
        raise _invalid(f"{path} does not exist or is not a file.", "path")
    out: dict[str, Any] = {"path": path, "signal_types": _clean_signal_types(config)}
    if config.get("signal_type"):
        name = str(config["signal_type"]).strip().lower()
        if name not in SIGNAL_NAMES:
            raise _invalid(
                f"signal_type must be one of {', '.join(sorted(SIGNAL_NAMES))}.", "signal_type"
            )
        out["signal_type"] = name
    return out


def _clean_ncmec(config: dict[str, Any]) -> dict[str, Any]:
    known = {"environment", "base_url", "only_esp_ids", "signal_types"}
    _check_keys(config, "ncmec", known | set(CREDENTIAL_ENV_DEFAULTS[ExchangeApi.NCMEC]))
    if not config.get("environment") and not config.get("base_url"):
        raise _invalid("Name an NCMEC environment (e.g. Industry) or a base_url.", "environment")
    environment = config.get("environment") or NCMECEnvironment.Industry.name
    if environment not in NCMECEnvironment.__members__:
        names = ", ".join(NCMECEnvironment.__members__)
        raise _invalid(f"environment must be one of {names}.", "environment")
    out: dict[str, Any] = {"environment": environment, "signal_types": _clean_signal_types(config)}
    if config.get("base_url"):
        out["base_url"] = _clean_url(config["base_url"])
    esp_ids = config.get("only_esp_ids") or []
    if not isinstance(esp_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in esp_ids
    ):
        raise _invalid("only_esp_ids is a list of NCMEC member ids.", "only_esp_ids")
    if esp_ids:
        out["only_esp_ids"] = sorted(set(esp_ids))
    out.update(_clean_env_names(config, ExchangeApi.NCMEC))
    return out


def _clean_stopncii(config: dict[str, Any]) -> dict[str, Any]:
    known = {"base_url", "signal_types"}
    _check_keys(config, "stopncii", known | set(CREDENTIAL_ENV_DEFAULTS[ExchangeApi.STOPNCII]))
    out: dict[str, Any] = {"signal_types": _clean_signal_types(config)}
    if config.get("base_url"):
        out["base_url"] = _clean_url(config["base_url"])
    out.update(_clean_env_names(config, ExchangeApi.STOPNCII))
    return out


_CLEANERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    ExchangeApi.FILE: _clean_file,
    ExchangeApi.NCMEC: _clean_ncmec,
    ExchangeApi.STOPNCII: _clean_stopncii,
}


# ---- fetching ----------------------------------------------------------------------------


def _secret(config: Mapping[str, Any], key: str, label: str) -> str:
    name = str(config[key])
    value = os.environ.get(name, "")
    if not value:
        raise ExchangeError(
            "exchange_credentials_missing",
            f"{label} credentials are missing: set {name} in the environment of the process "
            "that syncs (the worker, or the shell running `shieldwall bank sync`).",
        )
    return value


def _fetch_all(
    api: Any,
    merge: Callable[[dict[Any, Any], Mapping[Any, Any]], None],
    label: str,
    fetched: _Fetched,
) -> dict[Any, Any]:
    """Run a full fetch_iter and merge its deltas; client failures become ExchangeError."""
    state: dict[Any, Any] = {}
    checkpoint: fetch_state.FetchCheckpointBase | None = None
    try:
        for delta in api.fetch_iter(TX_SIGNAL_TYPES, None):
            fetched.records += len(delta.updates)
            merge(state, delta.updates)
            checkpoint = delta.checkpoint
    except egress.DestinationRefused as exc:
        raise ExchangeError("destination_refused", f"{label} was not contacted: {exc}.") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        if status in (401, 403):
            raise ExchangeError(
                "exchange_auth_failed", f"{label} refused the credentials (HTTP {status})."
            ) from None
        raise ExchangeError("exchange_http_error", f"{label} answered HTTP {status}.") from None
    except requests.exceptions.RetryError as exc:
        cause = getattr(exc.args[0], "reason", None) if exc.args else None
        raise ExchangeError(
            "exchange_http_error", f"{label} kept failing after retries: {cause or exc}"
        ) from None
    except requests.RequestException as exc:
        raise ExchangeError(
            "exchange_unreachable", f"{label} could not be reached: {_short(exc)}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExchangeError("exchange_unreadable", f"{label} could not be read: {exc}") from None
    except Exception as exc:  # the NCMEC client raises bare Exception on XML it cannot parse
        raise ExchangeError(
            "exchange_bad_answer", f"{label} sent an answer that could not be read: {_short(exc)}"
        ) from None
    fetched.checkpoint = dataclasses.asdict(checkpoint) if checkpoint is not None else None
    return state


def _short(exc: BaseException) -> str:
    return str(exc)[:300] or type(exc).__name__


def _fetch_file(config: Mapping[str, Any]) -> _Fetched:
    path = Path(config["path"])
    label = f"hash file {path}"
    if not path.is_file():
        raise ExchangeError("exchange_unreadable", f"The {label} does not exist or is not a file.")
    collab = FileCollaborationConfig(
        name=str(path), filename=str(path), signal_type=config.get("signal_type")
    )
    api = LocalFileSignalExchangeAPI.for_collab(collab)
    fetched = _Fetched(wanted=frozenset(config["signal_types"]))
    state = _fetch_all(api, LocalFileSignalExchangeAPI.naive_fetch_merge, label, fetched)
    for name, value in state:
        fetched.offer(name.lower(), value, external_id="")  # a file's id for a hash is the hash
    return fetched


class _NCMECHashAPI(NCMECHashAPI):
    """NCMEC's client at a base URL (its environment's, or another), on vetted connections."""

    def __init__(
        self, username: str, password: str, environment: NCMECEnvironment, base_url: str
    ) -> None:
        super().__init__(username, password, environment)
        self._base_url = base_url

    def _get_session(self) -> requests.Session:
        return egress.vet_session(super()._get_session())


class _NCMECExchange(NCMECSignalExchangeAPI):
    """NCMEC's exchange API whose client goes to `base_url` instead of the environment's."""

    def __init__(
        self, collab: NCMECCollabConfig, username: str, password: str, base_url: str | None
    ) -> None:
        super().__init__(collab, username, password)
        self._auth = (username, password)
        self._url = base_url

    def get_client(self, environment: NCMECEnvironment) -> NCMECHashAPI:
        return _NCMECHashAPI(*self._auth, environment, self._url or environment.value)


def _fetch_ncmec(config: Mapping[str, Any]) -> _Fetched:
    user = _secret(config, "user_env", "NCMEC")
    password = _secret(config, "password_env", "NCMEC")
    environment = NCMECEnvironment[config["environment"]]
    collab = NCMECCollabConfig(
        name="ncmec", environment=environment, only_esp_ids=set(config.get("only_esp_ids", []))
    )
    base_url = config.get("base_url")
    api = _NCMECExchange(collab, user, password, base_url)
    label = f"NCMEC ({base_url or environment.value})"
    fetched = _Fetched(wanted=frozenset(config["signal_types"]))
    state = _fetch_all(api, NCMECSignalExchangeAPI.naive_fetch_merge, label, fetched)
    entry: NCMECEntryUpdate
    for key, entry in state.items():  # deleted entries were dropped by the merge
        if collab.only_esp_ids and entry.member_id not in collab.only_esp_ids:
            continue
        for fingerprint, value in entry.fingerprints.items():
            name = NCMEC_FINGERPRINTS.get((entry.entry_type, fingerprint.lower()))
            fetched.offer(name or f"ncmec_{fingerprint.lower()}", value, external_id=key)
    return fetched


class _StopNCIIAPI(StopNCIIAPI):
    """StopNCII's client on vetted connections."""

    def _get_session(self, endpoint: Any) -> requests.Session:
        return egress.vet_session(super()._get_session(endpoint))


@dataclass
class _StopNCIIRecord(StopNCIISignalMetadata):
    """StopNCII's record metadata, keeping the hash's active case numbers."""

    cases: list[str] = field(default_factory=list)


class _StopNCIIExchange(StopNCIISignalExchangeAPI):
    """StopNCII's exchange API with withdrawals honoured.

    threatexchange 1.2's delta mapping compares the hash *value* with the Withdrawn/Deleted
    statuses, so a withdrawn case is never deleted; this reads `hashStatus` and the cases.
    """

    malformed: int = 0

    def fetch_iter(
        self,
        _supported_signal_types: Sequence[type[TXSignalType]],
        checkpoint: StopNCIICheckpoint | None,
    ) -> Iterator[fetch_state.FetchDelta[Any, Any, Any]]:
        start = checkpoint.update_time if checkpoint else StopNCIIAPI.DEFAULT_START_TIME
        for page in self.api.fetch_hashes_iter(start_timestamp=start):
            # The client drops records it cannot parse; the page's count still includes them.
            self.malformed += max(0, page.count - len(page.hashRecords))
            updates = dict(_stopncii_delta(r) for r in page.hashRecords)
            yield fetch_state.FetchDelta(updates, StopNCIICheckpoint.from_stopncii_fetch(page))


def _stopncii_delta(record: StopNCIIHashRecord) -> tuple[tuple[str, str], _StopNCIIRecord | None]:
    name = STOPNCII_TYPES.get(record.signalType, f"stopncii_{record.signalType.value}")
    cases = record.caseNumbers.items()
    active = sorted(case for case, status in cases if status not in STOPNCII_GONE)
    if record.hashStatus in STOPNCII_GONE or (record.caseNumbers and not active):
        return (name, record.hashValue), None
    return (name, record.hashValue), _StopNCIIRecord(record.CSPFeedbacks, cases=active)


def _fetch_stopncii(config: Mapping[str, Any]) -> _Fetched:
    subscription_key = _secret(config, "subscription_key_env", "StopNCII")
    fetch_key = _secret(config, "fetch_key_env", "StopNCII")
    base_url = config.get("base_url")
    client = _StopNCIIAPI(subscription_key, fetch_key, base_url_override=base_url)
    collab = CollaborationConfigBase(name="stopncii", api="stop_ncii", enabled=True)
    api = _StopNCIIExchange(collab, client)
    label = f"StopNCII ({base_url or StopNCIIAPI.BASE_URL})"
    fetched = _Fetched(wanted=frozenset(config["signal_types"]))
    state = _fetch_all(api, _StopNCIIExchange.naive_fetch_merge, label, fetched)
    for _ in range(api.malformed):
        fetched.refuse("a StopNCII record could not be parsed")
    record: _StopNCIIRecord
    for (name, value), record in state.items():  # withdrawn hashes were dropped by the merge
        fetched.offer(name, value, external_id=record.cases[0] if record.cases else "")
    return fetched


_FETCHERS: dict[str, Callable[[Mapping[str, Any]], _Fetched]] = {
    ExchangeApi.FILE: _fetch_file,
    ExchangeApi.NCMEC: _fetch_ncmec,
    ExchangeApi.STOPNCII: _fetch_stopncii,
}
