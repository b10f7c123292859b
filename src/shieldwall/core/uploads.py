"""Uploads too large for memory spill to a file that has no name, so none can be left behind.

Django's own handler writes a named temporary file and deletes it when the request ends; a
process killed mid-upload never gets there, and the file (media an uploader sent, perhaps
abuse material) stays on disk. tempfile.TemporaryFile on Linux opens it with O_TMPFILE (or
unlinks it at once): the kernel frees it when the last descriptor closes, however the
process ends.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class UnnamedTemporaryUploadedFile(UploadedFile):
    """An upload held in an unnamed temporary file (it has no temporary_file_path)."""

    def __init__(
        self,
        name: str,
        content_type: str | None,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        spill = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
        super().__init__(spill, name, content_type, size, charset, content_type_extra)


class UnnamedTemporaryFileUploadHandler(FileUploadHandler):
    """Stream a large upload into an unnamed temporary file."""

    file: UnnamedTemporaryUploadedFile

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        """Open the spill file for the upload that begins."""
        super().new_file(*args, **kwargs)
        self.file = UnnamedTemporaryUploadedFile(
            self.file_name or "upload",
            self.content_type,
            0,
            self.charset,
            self.content_type_extra,
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        """Append a chunk of the upload."""
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        """Rewind the finished upload for reading."""
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        """Close (and so free) the spill file of an upload cut short."""
        if hasattr(self, "file"):
            self.file.close()
