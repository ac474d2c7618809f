"""RFC 9162 hashing and proofs, checked against the Certificate Transparency reference vectors.

The eight leaf inputs and the tree heads for sizes 0..8 are the ones every
RFC 6962 implementation tests against (Go's transparency-dev/merkle, the CT
C++ log); the proofs are the published ones for the same tree.
"""
import random

import pytest

from protocol.merkle import (EMPTY_ROOT, Frontier, ProofError, consistency_proof, inclusion_proof, leaf_hash,
                             root, verify_consistency, verify_inclusion)

INPUTS = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
LEAVES = [leaf_hash(x) for x in INPUTS]
INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (0, 1, []),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def test_roots_match_the_reference_tree_heads_for_every_size():
    assert root([]) == EMPTY_ROOT == bytes.fromhex(ROOTS[0])
    frontier = Frontier()
    for n in range(1, 9):
        frontier.append(LEAVES[n - 1])
        assert root(LEAVES[:n]).hex() == ROOTS[n]
        assert frontier.root().hex() == ROOTS[n]
        assert Frontier.from_text(frontier.to_text()).root().hex() == ROOTS[n]


@pytest.mark.parametrize("index,size,path", INCLUSION)
def test_inclusion_proofs_match_the_reference(index, size, path):
    proof = inclusion_proof(LEAVES, index, size)
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))
    assert not verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize("old,new,path", CONSISTENCY)
def test_consistency_proofs_match_the_reference(old, new, path):
    proof = consistency_proof(LEAVES, old, new)
    assert [p.hex() for p in proof] == path
    assert verify_consistency(old, new, proof, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]))


def test_every_proof_of_random_trees_verifies_and_a_changed_leaf_fails():
    rng = random.Random(9162)
    for n in list(range(1, 34)) + [rng.randint(34, 200) for _ in range(5)]:
        leaves = [leaf_hash(bytes([i % 256]) + rng.randbytes(rng.randint(0, 12))) for i in range(n)]
        roots = {m: root(leaves[:m]) for m in range(n + 1)}
        for i in range(n):
            proof = inclusion_proof(leaves, i)
            assert verify_inclusion(leaves[i], i, n, proof, roots[n])
            assert not verify_inclusion(leaf_hash(b"forged"), i, n, proof, roots[n])
            assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, roots[n]) or n == 1
        for m in range(1, n + 1):
            proof = consistency_proof(leaves, m, n)
            assert verify_consistency(m, n, proof, roots[m], roots[n])
            if m < n:
                forked = leaves[:m - 1] + [leaf_hash(b"forked")] + leaves[m:]
                assert not verify_consistency(m, n, proof, root(forked[:m]), roots[n])
                assert not verify_consistency(m, n, proof, roots[m], root(forked))


def test_proofs_for_sizes_the_tree_lacks_are_refused():
    with pytest.raises(ProofError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ProofError):
        consistency_proof(LEAVES, 5, 9)
    assert not verify_consistency(5, 3, [], LEAVES[0], LEAVES[0])
    assert not verify_inclusion(LEAVES[0], 3, 3, [], LEAVES[0])


def test_a_frontier_with_the_wrong_number_of_hashes_is_refused():
    with pytest.raises(ValueError):
        Frontier(3, [LEAVES[0]])


@pytest.mark.parametrize("start,count", [(0, 1), (0, 8), (0, 1000), (3, 13), (6, 2), (8, 1), (5, 300), (1023, 2)])
def test_extending_by_subtrees_gives_the_frontier_of_appending_one_by_one(start, count):
    import hashlib
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(start + count)]
    one_by_one = Frontier()
    for leaf in leaves:
        one_by_one.append(leaf)
    grown = Frontier().extend(leaves[:start]).extend(iter(leaves[start:]))
    assert grown.size == one_by_one.size and grown.hashes == one_by_one.hashes
    assert grown.root() == one_by_one.root()
