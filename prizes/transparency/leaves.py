"""What a leaf of the vote log says, byte for byte (pure: the verifiers use it too).

A leaf names no one. A vote is the SHA-256 of its receipt code (80 random bits, so the hash
cannot be reversed), its category's number, its nomination and the minute it was cast; an
invalidation or a reinstatement names the vote's leaf index and a reason code. The bytes
hashed are one line of ASCII, fields separated by single spaces::

    wsis-vote-log/1 vote <receipt sha256 hex> <category> <nomination> <YYYY-MM-DDTHH:MMZ>
    wsis-vote-log/1 invalidation <vote leaf index> <reason code> <YYYY-MM-DDTHH:MMZ>
    wsis-vote-log/1 reinstatement <vote leaf index> <reason code> <YYYY-MM-DDTHH:MMZ>
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import TypeGuard

FORMAT = "wsis-vote-log/1"
KINDS = ("vote", "invalidation", "reinstatement")
REASON_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
RECEIPT_HASH = re.compile(r"^[0-9a-f]{64}$")


def receipt_hash(code: str) -> str:
    """The receipt code as the log shows it: upper case, with its dashes, hashed."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def minute(moment: datetime) -> str:
    """The time rounded down to the minute, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def vote_leaf(receipt: str, category: int, nomination: int, at: str) -> bytes:
    return f"{FORMAT} vote {receipt} {category} {nomination} {at}".encode("ascii")


def status_leaf(kind: str, target: int, reason: str, at: str) -> bytes:
    return f"{FORMAT} {kind} {target} {reason} {at}".encode("ascii")


def leaf_bytes(entry: dict) -> bytes:
    """The bytes of a published leaf (a dict of the open-data file); ValueError names the
    field that is wrong."""
    kind = entry.get("kind")
    at = entry.get("minute")
    if not isinstance(at, str) or not MINUTE.match(at):
        raise ValueError("its minute is not YYYY-MM-DDTHH:MMZ")
    if kind == "vote":
        receipt, category, nomination = (
            entry.get("receipt_hash"),
            entry.get("category"),
            entry.get("nomination"),
        )
        if not isinstance(receipt, str) or not RECEIPT_HASH.match(receipt):
            raise ValueError("its receipt_hash is not 64 hexadecimal digits")
        if not _whole(category) or not _whole(nomination):
            raise ValueError("its category or nomination is not a whole number")
        return vote_leaf(receipt, category, nomination, at)
    if kind in ("invalidation", "reinstatement"):
        target, reason = entry.get("target"), entry.get("reason")
        if not _whole(target):
            raise ValueError("its target is not a leaf index")
        if not isinstance(reason, str) or not REASON_CODE.match(reason):
            raise ValueError("its reason is not a reason code")
        return status_leaf(kind, target, reason, at)
    raise ValueError(f"its kind is not one of {', '.join(KINDS)}")


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
