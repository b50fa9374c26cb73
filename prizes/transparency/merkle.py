"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: pure functions.

Hashing: SHA-256; a leaf's hash is H(0x00 || leaf), a node's H(0x01 || left || right), so a
leaf can never pass for a node. The tree over n leaves splits at k, the largest power of two
below n, so it is defined for every size, not only powers of two.

The tree is kept as its *complete aligned nodes*: at level L, node i is the root of leaves
[i * 2**L, (i + 1) * 2**L). Every subtree the RFC's recursion meets is either such a node or
a right edge made of a few of them, so the root of any size, an inclusion proof (PATH) and a
consistency proof (PROOF) each take O(log n) node look-ups. Where the nodes come from (a
list in memory, a table) is the caller's: ``NodeSource`` is any ``(level, index) -> hash``.

No database, no Flask here: the verifiers (the CLI command and the standalone script in
``docs/``) follow the same definitions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

NodeSource = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof asked for sizes or indexes the tree does not have."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """MTH({}) = SHA-256 of the empty string."""
    return hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --- building ----------------------------------------------------------------------------


def build_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete aligned node over these leaf hashes: ``levels[L][i]``."""
    levels = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def new_nodes(old_size: int, new_size: int, node: NodeSource) -> list[tuple[int, int, bytes]]:
    """The complete aligned nodes (level >= 1) that growing the tree from ``old_size`` to
    ``new_size`` leaves completes, as (level, index, hash), lowest level first; ``node``
    gives the ones that exist (the leaves and the older nodes) and those found here."""
    found: dict[tuple[int, int], bytes] = {}

    def get(level: int, index: int) -> bytes:
        return found.get((level, index)) or node(level, index)

    out: list[tuple[int, int, bytes]] = []
    level = 1
    while (1 << level) <= new_size:
        first = old_size >> level  # the first node at this level that was not complete
        for index in range(first, new_size >> level):
            value = node_hash(get(level - 1, 2 * index), get(level - 1, 2 * index + 1))
            found[(level, index)] = value
            out.append((level, index, value))
        level += 1
    return out


def levels_source(levels: Sequence[Sequence[bytes]]) -> NodeSource:
    return lambda level, index: levels[level][index]


# --- reading -----------------------------------------------------------------------------


def subtree_root(node: NodeSource, start: int, size: int) -> bytes:
    """MTH(D[start:start+size]) for a subtree the RFC's recursion meets (``start`` aligned
    to the largest power of two up to ``size``)."""
    if size == 0:
        return empty_root()
    if _is_power_of_two(size):
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(subtree_root(node, start, k), subtree_root(node, start + k, size - k))


def root(node: NodeSource, size: int) -> bytes:
    return subtree_root(node, 0, size)


def inclusion_proof(node: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, for leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    proof: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            proof.append(subtree_root(node, start + k, n - k))
            n = k
        else:
            proof.append(subtree_root(node, start, k))
            start, n, m = start + k, n - k, m - k
    proof.reverse()  # the RFC lists the path from the leaf up
    return proof


def consistency_proof(node: NodeSource, first: int, second: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1: the tree of ``first`` leaves is a prefix
    of the tree of ``second``."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    proof: list[bytes] = []
    start, n, m, whole = 0, second, first, True  # SUBPROOF(m, D[start:start+n], b)
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(subtree_root(node, start + k, n - k))
            n = k
        else:
            proof.append(subtree_root(node, start, k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(subtree_root(node, start, n))
    proof.reverse()
    return proof


# --- verifying (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to from ``leaf`` (a leaf hash); raises ProofError
    when the proof has the wrong length for that index and size."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof) == expected_root
    except ProofError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree (first, first_root) is a prefix of (second,
    second_root)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if _is_power_of_two(first):
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
