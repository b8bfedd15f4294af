"""Data keys: AES-256-GCM for values, HMAC-SHA256 for the blind index.

A :class:`KeyRing` holds every key that may still be needed to read, by key id, and
names one, the newest, that writes. Each 32-byte data key yields two keys by HKDF, one
to encrypt and one to index, so a leaked index key does not decrypt and the reverse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyError(Exception):
    """A key is malformed, or a value cannot be read with the keys in the ring."""


def new_key() -> str:
    """A fresh data key, base64."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=b"medbot " + purpose).derive(key)


@dataclass(frozen=True)
class DataKey:
    kid: str
    cipher: AESGCM = field(repr=False)
    index_key: bytes = field(repr=False)

    @classmethod
    def from_base64(cls, text: str) -> DataKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise DataKeyError("a data key is not base64") from None
        if len(raw) != KEY_BYTES:
            raise DataKeyError(f"a data key must be {KEY_BYTES} bytes, base64")
        kid = _derive(raw, b"key id")[:4].hex()
        return cls(kid, AESGCM(_derive(raw, b"encryption")), _derive(raw, b"blind index"))


class KeyRing:
    """The keys that can read; the first one given writes."""

    def __init__(self, keys: list[DataKey]) -> None:
        if not keys:
            raise DataKeyError("no data key")
        self.current = keys[0]
        self._keys = {key.kid: key for key in keys}

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Keys separated by commas or new lines, the newest first."""
        parts = [p for p in text.replace(",", "\n").splitlines() if p.strip()]
        return cls([DataKey.from_base64(p) for p in parts])

    def encrypt(self, plaintext: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.cipher.encrypt(nonce, plaintext.encode(), purpose.encode())
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}:{self.current.kid}:{body}"

    def decrypt(self, token: str, purpose: str) -> str:
        version, kid, body = _split(token)
        key = self._keys.get(kid)
        if version != VERSION or key is None:
            raise DataKeyError(f"no key {kid!r} in the ring for {purpose}")
        raw = base64.b64decode(body)
        try:
            plain = key.cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except InvalidTag:
            raise DataKeyError(f"a value of {purpose} fails authentication") from None
        return plain.decode()

    def index(self, value: str) -> str:
        """The blind index of ``value`` under the current key."""
        return _index(self.current, value)

    def indexes(self, value: str) -> list[str]:
        """Its blind index under every key: what a look-up matches during a rotation."""
        return [_index(key, value) for key in self._keys.values()]


def _index(key: DataKey, value: str) -> str:
    digest = hmac.new(key.index_key, value.encode(), hashlib.sha256).hexdigest()
    return f"{key.kid}:{digest}"


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise DataKeyError("a stored value is not encrypted")
    return parts[0], parts[1], parts[2]
