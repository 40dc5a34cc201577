"""Read a TensorFlow checkpoint (a tensor bundle: ``<prefix>.index`` + ``<prefix>.data-*``) with
NumPy alone, so converting third-party weights needs no TensorFlow.

The ``.index`` file is a LevelDB-format table (uncompressed blocks) whose keys are variable names
and whose values are ``BundleEntryProto`` messages (dtype, shape, shard, offset, size); the tensor
bytes sit at that offset of the data shard, little-endian. Only what that format uses is parsed.
"""

from __future__ import annotations

import glob
import struct
from pathlib import Path

import numpy as np

MAGIC = 0xDB4775248B80FB57
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _block(data: bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    """The ``(key, value)`` entries of one table block."""
    if data[offset + size] != 0:
        raise ValueError("compressed table blocks are not supported")
    block = data[offset : offset + size]
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * n_restarts
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + non_shared]
        pos += non_shared
        entries.append((key, block[pos : pos + value_len]))
        pos += value_len
    return entries


def _fields(msg: bytes) -> list[tuple[int, int, object]]:
    """``(field number, wire type, value)`` of a protobuf message (varint, fixed and bytes fields)."""
    out, pos = [], 0
    while pos < len(msg):
        tag, pos = _varint(msg, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(msg, pos)
        elif wire == 1:
            value, pos = msg[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(msg, pos)
            value, pos = msg[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = msg[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"protobuf wire type {wire} not supported")
        out.append((number, wire, value))
    return out


def _entry(value: bytes) -> dict:
    entry = {"dtype": 1, "shape": [], "shard": 0, "offset": 0, "size": 0}
    for number, _, v in _fields(value):
        if number == 1:
            entry["dtype"] = v
        elif number == 2:
            entry["shape"] = [
                next((s for n, _, s in _fields(dim) if n == 1), 0)
                for n, _, dim in _fields(v)
                if n == 2
            ]
        elif number == 3:
            entry["shard"] = v
        elif number == 4:
            entry["offset"] = v
        elif number == 5:
            entry["size"] = v
        elif number == 7:
            raise ValueError("sliced tensors are not supported")
    return entry


def read_bundle(prefix: Path | str) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint at ``prefix`` (``prefix.index`` must exist), by name."""
    prefix = str(prefix)
    index = Path(prefix + ".index").read_bytes()
    footer = index[-48:]
    if struct.unpack_from("<Q", footer, 40)[0] != MAGIC:
        raise ValueError(f"{prefix}.index: not a TensorFlow tensor bundle index")
    pos = 0
    _, pos = _varint(footer, pos)  # metaindex handle (unused)
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    shards: dict[int, bytes] = {}
    tensors = {}
    for _, handle in _block(index, index_offset, index_size):
        offset, p = _varint(handle, 0)
        size, _ = _varint(handle, p)
        for key, value in _block(index, offset, size):
            if not key:  # the bundle header
                continue
            e = _entry(value)
            if e["shard"] not in shards:
                total = int(glob.glob(glob.escape(prefix) + ".data-*")[0].rsplit("-of-", 1)[1])
                shards[e["shard"]] = Path(
                    f"{prefix}.data-{e['shard']:05d}-of-{total:05d}"
                ).read_bytes()
            dtype = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
            raw = shards[e["shard"]][e["offset"] : e["offset"] + e["size"]]
            tensors[key.decode()] = np.frombuffer(raw, dtype=dtype).reshape(e["shape"]).copy()
    return tensors
