"""The tree against a direct transcription of RFC 9162's recursive definitions (section 2.1),
on random trees of up to 10,000 leaves."""

from __future__ import annotations

import hashlib
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from prizes.transparency import merkle

MAX_LEAVES = 10_000


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Reference:
    """MTH, PATH and PROOF exactly as the RFC writes them, recursion and all."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    @cache  # noqa: B019  (one small object per example)
    def mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return _h(b"")
        if n == 1:
            return _h(b"\x00" + self.leaves[start])
        k = 1
        while k * 2 < n:
            k *= 2
        return _h(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end))

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = 1
        while k * 2 < n:
            k *= 2
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.mth(start, end)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return [*self.subproof(m, start, start + k, whole), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]


def _tree(size: int) -> tuple[list[bytes], list[list[bytes]]]:
    leaves = [i.to_bytes(4, "big") + b"vote" for i in range(size)]
    return leaves, merkle.build_levels([merkle.leaf_hash(leaf) for leaf in leaves])


sizes = st.integers(min_value=1, max_value=MAX_LEAVES)


@settings(max_examples=40, deadline=None)
@given(size=sizes, data=st.data())
def test_root_and_inclusion_proofs_match_the_rfc(size: int, data: st.DataObject) -> None:
    leaves, levels = _tree(size)
    source = merkle.levels_source(levels)
    reference = Reference(leaves)
    tree_size = data.draw(st.integers(min_value=1, max_value=size), label="tree_size")
    assert merkle.root(source, tree_size) == reference.mth(0, tree_size)
    for index in data.draw(st.lists(st.integers(0, tree_size - 1), min_size=1, max_size=5)):
        proof = merkle.inclusion_proof(source, index, tree_size)
        assert proof == reference.path(index, 0, tree_size)
        root = reference.mth(0, tree_size)
        assert merkle.verify_inclusion(
            index, tree_size, merkle.leaf_hash(leaves[index]), proof, root
        )
        # Another leaf, another index or a shorter proof does not verify.
        other = merkle.leaf_hash(b"not this vote")
        assert not merkle.verify_inclusion(index, tree_size, other, proof, root)
        if tree_size > 1:
            assert (
                not merkle.verify_inclusion(
                    (index + 1) % tree_size, tree_size, merkle.leaf_hash(leaves[index]), proof, root
                )
                or leaves[index] == leaves[(index + 1) % tree_size]
            )
            assert not merkle.verify_inclusion(
                index, tree_size, merkle.leaf_hash(leaves[index]), proof[:-1], root
            )


@settings(max_examples=40, deadline=None)
@given(size=sizes, data=st.data())
def test_consistency_proofs_match_the_rfc(size: int, data: st.DataObject) -> None:
    leaves, levels = _tree(size)
    source = merkle.levels_source(levels)
    reference = Reference(leaves)
    second = data.draw(st.integers(min_value=1, max_value=size), label="second")
    first = data.draw(st.integers(min_value=1, max_value=second), label="first")
    proof = merkle.consistency_proof(source, first, second)
    assert proof == reference.subproof(first, 0, second, True)
    first_root, second_root = reference.mth(0, first), reference.mth(0, second)
    assert merkle.verify_consistency(first, second, first_root, second_root, proof)
    if first < second:
        forged = merkle.leaf_hash(b"forged")
        assert not merkle.verify_consistency(first, second, forged, second_root, proof)
        assert not merkle.verify_consistency(first, second, first_root, forged, proof)
        assert not merkle.verify_consistency(first, second, first_root, second_root, proof[1:])


@settings(max_examples=30, deadline=None)
@given(old=st.integers(0, 3000), grow=st.integers(1, 3000))
def test_growing_the_tree_in_batches_finds_the_same_nodes(old: int, grow: int) -> None:
    """What the worker stores batch after batch is the tree built at once."""
    _leaves, levels = _tree(old + grow)
    stored: dict[tuple[int, int], bytes] = {(0, i): h for i, h in enumerate(levels[0])}
    before = merkle.build_levels(levels[0][:old])
    for level, nodes in enumerate(before[1:], start=1):
        stored.update({(level, i): h for i, h in enumerate(nodes)})
    added = merkle.new_nodes(old, old + grow, lambda level, index: stored[(level, index)])
    stored.update({(level, index): h for level, index, h in added})
    for level, nodes in enumerate(levels):
        for index, value in enumerate(nodes):
            assert stored[(level, index)] == value


def test_bad_sizes_are_refused() -> None:
    _leaves, levels = _tree(5)
    source = merkle.levels_source(levels)
    for index, size in ((5, 5), (-1, 5)):
        try:
            merkle.inclusion_proof(source, index, size)
        except merkle.ProofError:
            pass
        else:
            raise AssertionError("no proof for a leaf outside the tree")
    assert not merkle.verify_consistency(0, 5, b"", b"", [])
    assert merkle.root(source, 0) == hashlib.sha256(b"").digest()
