"""HTTP edge of hash banks: create and change banks, add, list, export and remove entries."""

from __future__ import annotations

from typing import Annotated

from django.http import StreamingHttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from shieldwall.banks import services
from shieldwall.banks.schemas import (
    AddOut,
    BankIn,
    BankOut,
    BankPatch,
    EntryOut,
    EntryPatch,
    HashesIn,
    RemovedOut,
    bank_out,
    entry_out,
)
from shieldwall.core.errors import Invalid
from shieldwall.core.http import ApiRequest, ErrorOut

router = Router(tags=["banks"])

MAX_CSV_BYTES = 512 * 1024 * 1024


def _add_out(result: services.AddResult) -> AddOut:
    return AddOut(
        added=result.added,
        duplicates=result.duplicates,
        entry_ids=[str(i) for i in result.entry_ids],
        variants=result.variants,
    )


def _parse_entry_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("invalid_id", f"{raw!r} is not an entry id.", field="entry_id")
    return int(raw)


@router.get("", response=list[BankOut], operation_id="list_banks")
def list_banks(request: ApiRequest) -> list[BankOut]:
    """Every bank with its counts of enabled entries."""
    return [bank_out(b, c) for b, c in services.list_banks(actor=request.auth)]


@router.post("", response={201: BankOut, 409: ErrorOut}, operation_id="create_bank")
def create_bank(request: ApiRequest, body: BankIn) -> Status[BankOut]:
    """Create an empty bank."""
    bank = services.create_bank(actor=request.auth, **body.dict())
    return Status(201, bank_out(bank))


@router.get("/{name}", response=BankOut, operation_id="get_bank")
def get_bank(request: ApiRequest, name: str) -> BankOut:
    """One bank."""
    return bank_out(*services.describe_bank(name=name, actor=request.auth))


@router.patch("/{name}", response=BankOut, operation_id="update_bank")
def update_bank(request: ApiRequest, name: str, body: BankPatch) -> BankOut:
    """Change a bank's settings (only the fields given)."""
    return bank_out(services.update_bank(name=name, actor=request.auth, **body.dict()))


@router.post("/{name}/hashes", response={201: AddOut}, operation_id="add_hashes")
def add_hashes(request: ApiRequest, name: str, body: HashesIn) -> Status[AddOut]:
    """Add hashes (pdq, md5, sha256, vpdq); all or nothing."""
    rows = [services.HashRow(h.signal_type, h.value, h.note, h.external_id) for h in body.hashes]
    return Status(201, _add_out(services.add_hashes(bank_name=name, rows=rows, actor=request.auth)))


@router.post("/{name}/media", response={201: AddOut, 503: ErrorOut}, operation_id="add_media")
def add_media(
    request: ApiRequest, name: str, media: File[UploadedFile], note: Form[str] = ""
) -> Status[AddOut]:
    """Hash media into the bank (video at every frame); the media itself is not kept."""
    result = services.add_media(bank_name=name, data=media.read(), actor=request.auth, note=note)
    return Status(201, _add_out(result))


@router.post("/{name}/import", response={201: AddOut}, operation_id="import_hashes")
def import_hashes(request: ApiRequest, name: str, file: File[UploadedFile]) -> Status[AddOut]:
    """Import a CSV list `signal_type,value[,note]`; all or nothing."""
    if file.size is not None and file.size > MAX_CSV_BYTES:
        raise Invalid("too_large", "A hash list is at most 512 MB.", field="file")
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("invalid_csv", "The hash list is not UTF-8 text.", field="file") from None
    if "\x00" in text:  # PostgreSQL cannot store it in a note
        raise Invalid(
            "nul_character", "file: must not contain the NUL character (U+0000)", field="file"
        )
    result = services.import_csv(bank_name=name, text=text, actor=request.auth)
    return Status(201, _add_out(result))


@router.get(
    "/{name}/export",
    operation_id="export_hashes",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The CSV list, `signal_type,value,note` with a header line.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_hashes(request: ApiRequest, name: str) -> StreamingHttpResponse:
    """The bank as a CSV list in the import format."""
    lines = services.export_csv(bank_name=name, actor=request.auth)
    first = next(lines)  # raises NotFound before the response starts
    response = StreamingHttpResponse(iter([first, *lines]), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@router.get("/{name}/entries", response=list[EntryOut], operation_id="list_entries")
def list_entries(
    request: ApiRequest,
    name: str,
    after: str = "0",
    limit: Annotated[int, Field(ge=1, le=1000)] = 100,
) -> list[EntryOut]:
    """A page of entries in id order; pass the last id as `after` for the next page."""
    entries = services.list_entries(
        bank_name=name, actor=request.auth, after_id=_parse_entry_id(after), limit=limit
    )
    return [entry_out(e) for e in entries]


@router.patch("/{name}/entries/{entry_id}", response=EntryOut, operation_id="update_entry")
def update_entry(request: ApiRequest, name: str, entry_id: str, body: EntryPatch) -> EntryOut:
    """Enable or disable an entry."""
    entry = services.set_entry_enabled(
        entry_id=_parse_entry_id(entry_id),
        enabled=body.enabled,
        actor=request.auth,
        bank_name=name,
    )
    return entry_out(entry)


@router.delete("/{name}/entries/{entry_id}", response=RemovedOut, operation_id="remove_entry")
def remove_entry(request: ApiRequest, name: str, entry_id: str) -> RemovedOut:
    """Delete an entry from the bank."""
    n = services.remove_entries(
        actor=request.auth, entry_ids=[_parse_entry_id(entry_id)], bank_name=name
    )
    return RemovedOut(removed=n)


@router.delete(
    "/{name}/external/{external_id}", response=RemovedOut, operation_id="remove_external"
)
def remove_external(request: ApiRequest, name: str, external_id: str) -> RemovedOut:
    """Delete every entry that came from one exchange case (a withdrawn StopNCII case)."""
    n = services.remove_entries(actor=request.auth, bank_name=name, external_id=external_id)
    return RemovedOut(removed=n)
