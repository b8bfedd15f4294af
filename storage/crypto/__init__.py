"""Encryption at rest: the key ring, the engine's binding to it, and key rotation.

Values that identify a person are stored as ``v1:<key id>:<base64 nonce+ciphertext>``
(AES-256-GCM, the column's name as associated data), by the column types in
:mod:`storage.types`. Look-ups by national ID use a blind index: an HMAC-SHA256 of the
compact ID under a key derived from the data key. See ``docs/encryption.md``.
"""
