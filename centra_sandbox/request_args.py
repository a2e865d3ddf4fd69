"""Validation of JSON body values shared by the catalog routes: a bad value answers 400 with
``{key: message}``, as Centra names the offending field."""

from __future__ import annotations

import re
from typing import Any

from centra_sandbox.http import ApiError

MAX_LIST = 1000
MAX_INT = 2**31 - 1


def bad(key: str, message: str) -> ApiError:
    return ApiError(400, {key: message})


def int_arg(value: Any, key: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """An int from JSON (digit strings accepted, booleans not), within bounds, or a 400."""
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(key, "must be an integer")
    if value < minimum or value > maximum:
        raise bad(key, f"must be between {minimum} and {maximum}")
    return value


def bool_arg(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad(key, "must be true or false")
    return value


def id_list(value: Any, key: str) -> list[int]:
    """Ids given as ints or digit strings; a single id is accepted as a one-element list."""
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_LIST:
        raise bad(key, f"at most {MAX_LIST} values")
    ids = []
    for entry in values:
        if isinstance(entry, str) and re.fullmatch(r"[0-9]{1,12}", entry.strip()):
            ids.append(int(entry.strip()))
        elif isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < 10**12:
            ids.append(entry)
        else:
            raise bad(key, "must be a list of ids")
    return ids


def string_list(value: Any, key: str, max_length: int = 200) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_LIST:
        raise bad(key, f"at most {MAX_LIST} values")
    if not all(isinstance(v, str) and len(v) <= max_length for v in values):
        raise bad(key, "must be a string or a list of strings")
    return values
