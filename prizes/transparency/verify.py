"""Checking a downloaded vote log: its leaves against its signed head, and the recount.

Pure and stdlib-only, except the signature, checked with ``cryptography`` when it can be
imported (the report says whether it was). Every failure is a sentence naming what does not
match, never a traceback."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prizes.transparency import merkle
from prizes.transparency.leaves import FORMAT, leaf_bytes

HEAD_FORMAT = "wsis-prizes-tree-head/1"


@dataclass
class LogReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leaves: int = 0
    valid: Counter = field(default_factory=Counter)  # (category, nomination) -> valid votes
    invalidated: Counter = field(default_factory=Counter)  # reason -> votes not counted
    signature_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def head_message(head: dict) -> bytes:
    return (
        f"{HEAD_FORMAT}\n{head['round_id']}\n{head['tree_size']}\n"
        f"{head['root_hash']}\n{head['signed_at']}\n"
    ).encode("ascii")


def check_signature(head: dict, public_key_pem: bytes | None, report: LogReport) -> None:
    if public_key_pem is None:
        report.notes.append("no public key given: the head's signature was not checked")
        return
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        report.notes.append(
            "the cryptography package is not installed: the head's signature was not checked"
        )
        return
    try:
        key = load_pem_public_key(public_key_pem)
    except (ValueError, TypeError):
        report.problems.append("the public key file is not a PEM public key")
        return
    if not isinstance(key, Ed25519PublicKey):
        report.problems.append("the public key is not an Ed25519 key")
        return
    try:
        signature = base64.b64decode(str(head.get("signature", "")), validate=True)
        key.verify(signature, head_message(head))
    except (InvalidSignature, ValueError, binascii.Error):
        report.problems.append(
            "the head's signature does not verify with this public key: the head was not "
            "signed by this key, or its size, root, round or time was changed"
        )
        return
    report.signature_checked = True


def _head_problem(head: Any) -> str | None:
    if not isinstance(head, dict):
        return "the file has no signed head"
    for name, kind in (("round_id", int), ("tree_size", int), ("root_hash", str)):
        if not isinstance(head.get(name), kind) or isinstance(head.get(name), bool):
            return f"the head's {name} is missing or of the wrong type"
    for name in ("signed_at", "signature"):
        if not isinstance(head.get(name), str):
            return f"the head's {name} is missing"
    try:
        if len(bytes.fromhex(head["root_hash"])) != merkle.HASH_SIZE:
            raise ValueError
    except ValueError:
        return "the head's root_hash is not 64 hexadecimal digits"
    return None


def verify_log(
    document: Any, public_key_pem: bytes | None = None, *, head: dict | None = None
) -> LogReport:
    """Check ``document`` (the parsed open-data file) against its head, or against ``head``
    when one is given (a head fetched separately, e.g. from the heads route)."""
    report = LogReport()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        report.problems.append(f"the file is not a vote log of format {FORMAT}")
        return report
    head = head if head is not None else document.get("head")
    problem = _head_problem(head)
    if problem or not isinstance(head, dict):
        report.problems.append(problem or "the file has no signed head")
        return report
    check_signature(head, public_key_pem, report)
    entries = document.get("leaves")
    if not isinstance(entries, list):
        report.problems.append("the file has no list of leaves")
        return report
    report.leaves = len(entries)
    hashes: list[bytes] = []
    votes: dict[int, tuple[int, int]] = {}
    counted: dict[int, bool] = {}
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            report.problems.append(f"leaf {position} is not an object")
            return report
        if entry.get("index") != position:
            report.problems.append(
                f"leaf {position} says it is leaf {entry.get('index')!r}: "
                "the leaves were reordered, or one was dropped or added"
            )
            return report
        try:
            data = leaf_bytes(entry)
        except ValueError as error:
            report.problems.append(f"leaf {position}: {error}")
            return report
        hashes.append(merkle.leaf_hash(data))
        kind = entry["kind"]
        if kind == "vote":
            votes[position] = (entry["category"], entry["nomination"])
            counted[position] = True
            continue
        target = entry["target"]
        if target not in votes:
            report.problems.append(f"leaf {position} names leaf {target}, which is not a vote")
            continue
        if kind == "invalidation" and not counted[target]:
            report.problems.append(f"leaf {position} invalidates leaf {target} a second time")
        elif kind == "reinstatement" and counted[target]:
            report.problems.append(f"leaf {position} reinstates leaf {target}, which counts")
        counted[target] = kind == "reinstatement"
        if kind == "invalidation":
            report.invalidated[entry["reason"]] += 1
        else:
            report.invalidated[_last_reason(entries, target, position)] -= 1
    size = head["tree_size"]
    if size != len(entries):
        report.problems.append(f"the head is over {size} leaves and the file lists {len(entries)}")
    else:
        levels = merkle.build_levels(hashes)
        computed = merkle.root(merkle.levels_source(levels), size).hex()
        if computed != head["root_hash"]:
            report.problems.append(
                f"the root of the {size} leaves is {computed}, the head says "
                f"{head['root_hash']}: a leaf was changed, moved, added or dropped"
            )
    for position, (category, nomination) in votes.items():
        if counted[position]:
            report.valid[(category, nomination)] += 1
    report.invalidated = +report.invalidated
    return report


def _last_reason(entries: list, target: int, before: int) -> str:
    for entry in reversed(entries[:before]):
        if entry.get("kind") == "invalidation" and entry.get("target") == target:
            return entry["reason"]
    return ""


def verify_inclusion_record(record: dict) -> str | None:
    """Check a receipt's inclusion proof (as the receipt page gives it); None when it holds,
    else what does not match."""
    try:
        head = record["head"]
        data = leaf_bytes(record["leaf"])
        proof = [bytes.fromhex(value) for value in record["proof"]]
        root = merkle.root_from_inclusion(
            record["leaf_index"], head["tree_size"], merkle.leaf_hash(data), proof
        )
    except (KeyError, TypeError, ValueError) as error:
        return f"the proof is malformed: {error}"
    if root.hex() != head["root_hash"]:
        return "the proof does not lead to the head's root: the vote is not in this log"
    return None
