#!/usr/bin/env python3
"""Check a WSIS Prizes vote log on your own machine, with nothing but Python 3.11+.

    python3 verify_vote_log.py round-1-vote-log.json [--key wsis-prizes-log-key.pem]
                               [--head head.json] [--receipt ABCD-EFGH-JKMN-PQRS]

It recomputes every leaf's hash and the tree's root (RFC 9162), compares them with the
signed head, checks that every invalidation and reinstatement names an earlier vote, and
recounts the valid votes per nomination. The standard library has no Ed25519, so the
head's signature is checked only when the ``cryptography`` package can be imported; the
script says which. With --receipt it finds your vote by its receipt code and tells whether
it counts. It exits with 0 when everything matches, 1 when something does not (and says
what), 2 when a file cannot be read.

This file is written to be read: it is the format's second, independent implementation.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from collections import Counter

FORMAT = "wsis-vote-log/1"
HEAD_FORMAT = "wsis-prizes-tree-head/1"
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
REASON = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def merkle_root(leaf_hashes: list[bytes]) -> bytes:
    """MTH of RFC 9162, bottom up: pair the level's nodes from the left; an odd last node
    is carried up unchanged (which gives the RFC's split at the largest power of two)."""
    if not leaf_hashes:
        return sha256(b"")
    level = leaf_hashes
    while len(level) > 1:
        paired = [sha256(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def leaf_bytes(entry: dict) -> bytes:
    kind, at = entry.get("kind"), entry.get("minute")
    if not isinstance(at, str) or not MINUTE.match(at):
        raise ValueError("its minute is not YYYY-MM-DDTHH:MMZ")
    if kind == "vote":
        receipt = entry.get("receipt_hash")
        if not isinstance(receipt, str) or not HEX64.match(receipt):
            raise ValueError("its receipt_hash is not 64 hexadecimal digits")
        if not whole(entry.get("category")) or not whole(entry.get("nomination")):
            raise ValueError("its category or nomination is not a whole number")
        text = f"{FORMAT} vote {receipt} {entry['category']} {entry['nomination']} {at}"
    elif kind in ("invalidation", "reinstatement"):
        if not whole(entry.get("target")):
            raise ValueError("its target is not a leaf index")
        if not isinstance(entry.get("reason"), str) or not REASON.match(entry["reason"]):
            raise ValueError("its reason is not a reason code")
        text = f"{FORMAT} {kind} {entry['target']} {entry['reason']} {at}"
    else:
        raise ValueError("its kind is not vote, invalidation or reinstatement")
    return text.encode("ascii")


def check_signature(head: dict, key_pem: bytes | None) -> tuple[str | None, str]:
    """(problem or None, what was done)."""
    if key_pem is None:
        return None, "signature NOT checked (no --key given)"
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        return None, "signature NOT checked (the cryptography package is not installed)"
    try:
        key = load_pem_public_key(key_pem)
    except (ValueError, TypeError):
        return "the key file is not a PEM public key", ""
    if not isinstance(key, Ed25519PublicKey):
        return "the key is not an Ed25519 key", ""
    message = (
        f"{HEAD_FORMAT}\n{head['round_id']}\n{head['tree_size']}\n"
        f"{head['root_hash']}\n{head['signed_at']}\n"
    ).encode("ascii")
    try:
        key.verify(base64.b64decode(str(head.get("signature", "")), validate=True), message)
    except (InvalidSignature, ValueError):
        return (
            "the head's signature does not verify with this public key: the head was not "
            "signed by this key, or its size, root, round or time was changed"
        ), ""
    return None, "signature verified"


def verify(document: object, head: object, key_pem: bytes | None, receipt: str | None) -> int:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return fail(f"the file is not a vote log of format {FORMAT}")
    head = head if head is not None else document.get("head")
    if not isinstance(head, dict) or not all(
        k in head for k in ("round_id", "tree_size", "root_hash", "signed_at", "signature")
    ):
        return fail("the file has no complete signed head")
    problem, done = check_signature(head, key_pem)
    if problem:
        return fail(problem)
    entries = document.get("leaves")
    if not isinstance(entries, list):
        return fail("the file has no list of leaves")
    hashes, votes, counted, reasons = [], {}, {}, Counter()
    problems = []
    for position, entry in enumerate(entries):
        said = entry.get("index") if isinstance(entry, dict) else None
        if said != position:
            return fail(
                f"leaf {position} says it is leaf {said!r}: "
                "the leaves were reordered, or one was dropped or added"
            )
        try:
            hashes.append(sha256(b"\x00" + leaf_bytes(entry)))
        except ValueError as error:
            return fail(f"leaf {position}: {error}")
        if entry["kind"] == "vote":
            votes[position] = (entry["category"], entry["nomination"])
            counted[position] = True
            continue
        target = entry["target"]
        if target not in votes:
            problems.append(f"leaf {position} names leaf {target}, which is not a vote")
            continue
        if (entry["kind"] == "invalidation") != counted[target]:
            problems.append(f"leaf {position} changes leaf {target} to the status it has")
        counted[target] = entry["kind"] == "reinstatement"
        if entry["kind"] == "invalidation":
            reasons[entry["reason"]] += 1
    if head["tree_size"] != len(entries):
        problems.append(
            f"the head is over {head['tree_size']} leaves and the file lists {len(entries)}"
        )
    else:
        root = merkle_root(hashes).hex()
        if root != head["root_hash"]:
            problems.append(
                f"the root of the {len(entries)} leaves is {root}, the head says "
                f"{head['root_hash']}: a leaf was changed, moved, added or dropped"
            )
    if problems:
        for line in problems:
            print(f"MISMATCH: {line}", file=sys.stderr)
        return 1
    print(f"{len(entries)} leaves; the root matches the signed head; {done}.")
    tally = Counter(votes[p] for p in votes if counted[p])
    print("valid votes (category, nomination: votes):")
    for (category, nomination), count in sorted(tally.items()):
        print(f"  {category}, {nomination}: {count}")
    for reason, count in sorted(reasons.items()):
        print(f"invalidations ({reason}): {count}")
    if receipt:
        wanted = hashlib.sha256(receipt.strip().upper().encode()).hexdigest()
        found = [p for p, e in enumerate(entries) if e.get("receipt_hash") == wanted]
        if not found:
            return fail("no vote in this log has that receipt code")
        state = "counts" if counted[found[0]] else "does not count (invalidated)"
        print(f"your vote is leaf {found[0]} and {state}.")
    return 0


def fail(message: str) -> int:
    print(f"MISMATCH: {message}", file=sys.stderr)
    return 1


def read_json(path: str, what: str) -> object:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        print(f"cannot read the {what} {path}: {error}", file=sys.stderr)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(
            f"the {what} {path} is not JSON ({error}): it is truncated or damaged", file=sys.stderr
        )
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--key", help="the contest's public key (PEM)")
    parser.add_argument("--head", help="a signed head (JSON) to check against")
    parser.add_argument("--receipt", help="your receipt code, to find your vote")
    args = parser.parse_args(argv)
    key = None
    if args.key:
        try:
            with open(args.key, "rb") as handle:
                key = handle.read()
        except OSError as error:
            print(f"cannot read the key {args.key}: {error}", file=sys.stderr)
            return 2
    head = read_json(args.head, "head") if args.head else None
    return verify(read_json(args.log, "log"), head, key, args.receipt)


if __name__ == "__main__":
    raise SystemExit(main())
