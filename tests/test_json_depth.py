"""The nesting guard counts JSON depth on raw bytes as a character-by-character reader would,
whatever the blocks and chunks the text arrives in."""

import json
import random

import pytest

from songsim.io import json_depth


def reference_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def random_json(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 8 or r < 0.3:  # strings full of brackets, quotes and runs of backslashes
        return rng.choice(["a\\", '[{"x', '\\"]', 1, None, "x]]{{", '\\\\"', "é"])
    if r < 0.65:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["k", "[", '\\"', "{"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64, 65536])
def test_depth_equals_a_character_reader_across_blocks_and_chunks(monkeypatch, block):
    monkeypatch.setattr(json_depth, "BLOCK", block)
    rng = random.Random(block)
    for _ in range(300):
        text = json.dumps(random_json(rng))
        data = text.encode()
        cuts = sorted(rng.sample(range(len(data) + 1), min(3, len(data) + 1)))
        guard = json_depth.NestingGuard()
        for start, end in zip([0, *cuts], [*cuts, len(data)]):
            guard.feed(data[start:end])
        assert guard.deepest == reference_depth(text), text


def test_a_deep_document_is_measured_without_parsing_it():
    guard = json_depth.NestingGuard()
    assert guard.feed(b'{"a": "[[[[", "b": ' + b"[" * 100_000) == 100_001
