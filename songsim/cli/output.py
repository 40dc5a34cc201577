"""What the commands print: JSON that is always valid JSON."""

from __future__ import annotations

import json
import math


def print_json(obj) -> None:
    """Print ``obj`` as indented JSON. NumPy scalars become numbers and a NaN or infinity
    becomes ``null``: JSON has neither, and ``json.dumps`` would write them anyway."""
    print(json.dumps(finite(obj), indent=2, default=str, allow_nan=False))


def finite(obj):
    """``obj`` with NumPy scalars as Python numbers and non-finite floats as None."""
    if (
        hasattr(obj, "item")
        and not isinstance(obj, (list, dict, str))
        and getattr(obj, "ndim", 1) == 0
    ):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj
