"""The data key tests run with (``DATA_KEY``), and its ring."""

from __future__ import annotations

from pydantic import SecretStr

from storage.crypto.keyring import KeyRing

TEST_DATA_KEY = "dGVzdHMgb25seTogbWVkYm90IGRhdGEga2V5IDMyYnk="
TEST_KEYRING = KeyRing.parse(TEST_DATA_KEY)
TEST_SECRET = SecretStr(TEST_DATA_KEY)
