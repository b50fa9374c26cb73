"""The contest's Ed25519 key, which signs the vote log's tree heads and the results bundle.

Generated on first start in the instance folder (``log_signing_key.pem``, readable by the
owner only), like the secret key; ``PRIZES_LOG_KEY_FILE`` names another file. Its public
half is served at ``/.well-known/wsis-prizes-log-key``: whoever holds it checks a head
without trusting this server."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

EXTENSION = "prizes.log_key"
HEAD_FORMAT = "wsis-prizes-tree-head/1"


def init_app(app: Flask) -> None:
    path = Path(app.config.get("LOG_KEY_FILE") or Path(app.instance_path) / "log_signing_key.pem")
    app.extensions[EXTENSION] = load_or_create(path)


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        # Written aside and linked into place: of two processes starting at once, one wins.
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


def private_key() -> Ed25519PrivateKey:
    return current_app.extensions[EXTENSION]


def public_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or private_key().public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, in hex: names the key a signature was made with."""
    key = key or private_key().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def head_message(round_id: int, tree_size: int, root_hex: str, signed_at: str) -> bytes:
    """What a head's signature covers; the round is in it, so a head of one round cannot
    be passed off as another's."""
    return f"{HEAD_FORMAT}\n{round_id}\n{tree_size}\n{root_hex}\n{signed_at}\n".encode("ascii")


def sign(message: bytes) -> bytes:
    return private_key().sign(message)


def verify(public_key_pem: str | bytes, message: bytes, signature_b64: str) -> bool:
    """True when the signature is the key's over the message; False for any bad input."""
    try:
        key = serialization.load_pem_public_key(
            public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        )
        if not isinstance(key, Ed25519PublicKey):
            return False
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
