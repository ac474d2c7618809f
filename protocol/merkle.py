"""RFC 9162 Merkle trees: the hashing, an append-only frontier, inclusion and consistency proofs.

Each board's usage records are the leaves of one append-only log. Leaf hash
``SHA-256(0x00 || bytes)``, interior node ``SHA-256(0x01 || left || right)``,
the tree split at the largest power of two below its size (RFC 9162 §2.1.1),
so any RFC 6962/9162 tool (and any C2SP witness) computes the same root.

The board keeps only a :class:`Frontier` (one hash per set bit of the size),
so appending a record and signing a checkpoint cost O(log n) hashes; the hub
and the verifier, who hold every leaf, build proofs (§2.1.3, §2.1.4) from the
leaf hashes. Pure stdlib: ``protocol`` may import nothing else.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof was asked for sizes the tree does not have."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    ``hashes[i]`` covers ``2**k`` leaves for the i-th set bit k of ``size``
    (from the top). That is all it takes to append and to compute the root.
    """

    __slots__ = ("size", "hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != bin(size).count("1"):
            raise ValueError(f"a frontier of size {size} has {bin(size).count('1')} hashes, not {len(hashes)}")
        self.size, self.hashes = size, list(hashes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash; merge equal-sized subtrees as a binary counter carries."""
        self.hashes.append(leaf)
        size = self.size
        while size & 1:
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            size >>= 1
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> "Frontier":
        """Append many leaves: whole perfect subtrees at a time, hashed level by level (same hashes as append,
        without a Python call per node; a drain's batch of leaves on board and hub)."""
        leaves = leaves if isinstance(leaves, list) else list(leaves)
        i, n = 0, len(leaves)
        while i < n:
            # the largest perfect subtree that fits what is left and starts at a multiple of its size
            k = 1 << ((n - i).bit_length() - 1)
            if self.size:
                k = min(k, self.size & -self.size)
            if k == 1:
                self.append(leaves[i])
                i += 1
                continue
            level = leaves[i:i + k]
            while len(level) > 1:
                level = [_sha256(b"\x01" + level[j] + level[j + 1]).digest() for j in range(0, len(level), 2)]
            self._push(level[0], k)
            i += k
        return self

    def _push(self, subtree: bytes, k: int) -> None:
        """Add the root of a perfect subtree of ``k`` leaves (``size`` a multiple of ``k``): carries as append."""
        self.hashes.append(subtree)
        carry = self.size // k
        while carry & 1:
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            carry >>= 1
        self.size += k

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            acc = node_hash(left, acc)
        return acc

    def copy(self) -> "Frontier":
        return Frontier(self.size, self.hashes)

    def to_text(self) -> str:
        """Stored form: ``size`` then the hashes in hex, space separated."""
        return " ".join([str(self.size)] + [h.hex() for h in self.hashes])

    @classmethod
    def from_text(cls, text: str) -> "Frontier":
        size, *hashes = text.split()
        return cls(int(size), [bytes.fromhex(h) for h in hashes])


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of leaf hashes."""
    return Frontier().extend(leaves).root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ProofError(f"no leaf {index} in a tree of {size}")
    path, lo, hi = [], 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(root(leaves[lo + k:hi]))
            hi = lo + k
        else:
            path.append(root(leaves[lo:lo + k]))
            lo += k
    return path[::-1]


def consistency_proof(leaves: Sequence[bytes], old: int, new: int | None = None) -> list[bytes]:
    """PROOF(old, D[new]) of RFC 9162 §2.1.4.1: the tree of ``old`` leaves is a prefix of the one of ``new``."""
    new = len(leaves) if new is None else new
    if not 0 <= old <= new <= len(leaves):
        raise ProofError(f"no consistency proof from {old} to {new} with {len(leaves)} leaves")
    if old == 0 or old == new:
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, new, old, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(root(leaves[lo + k:hi]))
            hi = lo + k
        else:
            proof.append(root(leaves[lo:lo + k]))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(root(leaves[lo:hi]))
    return proof[::-1]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: ``new_root`` extends ``old_root`` without changing any of its first ``old`` leaves."""
    if old > new or old < 0:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
