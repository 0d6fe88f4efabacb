"""Webhook secrets (`whsec_…`), kept encrypted, and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 24 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(service_secret: str) -> bytes:
    return hashlib.sha256(b"tandem-webhook-secret\x00" + service_secret.encode()).digest()


def encrypt(secret: str, service_secret: str) -> str:
    """The secret sealed with a key derived from the service secret (AES-GCM)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(service_secret)).encrypt(nonce, secret.encode(), b"whsec")
    return base64.b64encode(nonce + sealed).decode()


def decrypt(stored: str, service_secrets: Sequence[str]) -> str:
    """Open a sealed secret with the current service secret or one of the previous ones."""
    raw = base64.b64decode(stored)
    for service_secret in service_secrets:
        try:
            return AESGCM(_key(service_secret)).decrypt(raw[:12], raw[12:], b"whsec").decode()
        except InvalidTag:
            continue
    raise ValueError("the webhook secret cannot be opened with the configured service secrets")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the secret's key."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per valid secret, space-separated (two while a rotation is in grace)."""
    return " ".join(sign(s, message_id, timestamp, body) for s in secrets_)
