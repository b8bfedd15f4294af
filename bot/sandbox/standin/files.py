"""Files the bot uploaded, kept in memory so they can be downloaded again."""

from __future__ import annotations

import itertools
import mimetypes
import secrets
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    part_name: str
    filename: str
    content_type: str
    content: bytes

    def summary(self) -> str:
        return f"<upload {self.part_name}: {len(self.content)} bytes>"


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    content: bytes

    def as_document(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


class FileStore:
    """Uploaded files by file_id and by download path, like Telegram's file storage."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def add(self, upload: Upload, folder: str = "documents") -> StoredFile:
        number = next(self._numbers)
        file_name = upload.filename or f"file_{number}"
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else ""
        mime_type = upload.content_type
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = StoredFile(
            file_id=f"BQACAgEAAxkDAAI{number:05d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AgAD{number:05d}{secrets.token_hex(4)}",
            file_path=f"{folder}/file_{number}" + (f".{suffix}" if suffix else ""),
            file_name=file_name,
            mime_type=mime_type,
            content=upload.content,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def by_id(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def __len__(self) -> int:
        return len(self._by_id)
