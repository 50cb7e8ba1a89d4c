"""Answers in one canonical form, and their comparison with stratad's.

Each system turns its result into rows of the columns query_bench --print-json names (same
order everywhere), with canonical values: a time is integer epoch microseconds (UTC), a string
is str, a number is float (None for NULL). Two answers agree when they have the same number of
rows and, row by row, equal times and strings and numbers within REL_TOL relative (ABS_TOL
absolute near zero). Rows are compared in the order returned when the query type's ORDER BY
fixes it and the system's form keeps it; otherwise both are sorted first. An answer whose rows
agree only after sorting is an order mismatch, which counts as a mismatch too.
"""

import datetime
import functools
import math
import os
import pickle

REL_TOL = 1e-6
ABS_TOL = 1e-9
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@functools.lru_cache(maxsize=1 << 16)
def time_text_micros(text):
    """RFC 3339 / ISO 8601 text ('2016-01-01T00:00:10Z', '2016-01-01 00:00:10.5', with or
    without an offset; none means UTC) as epoch microseconds."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def datetime_micros(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def canonical_rows(rows, kinds, time_value):
    """rows (sequences, one value per column) as canonical tuples; time_value(v) -> micros."""
    converters = []
    for kind in kinds:
        if kind == "time":
            converters.append(lambda v: None if v is None else time_value(v))
        elif kind == "number":
            converters.append(lambda v: None if v is None else float(v))
        else:
            converters.append(lambda v: None if v is None else str(v))
    out = []
    for row in rows:
        if len(row) != len(converters):
            raise ValueError(f"a row has {len(row)} columns, expected {len(converters)}")
        out.append(tuple(convert(value) for convert, value in zip(converters, row)))
    return out


def _equal(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= ABS_TOL + REL_TOL * max(abs(a), abs(b))
    return a == b


def rows_equal(a, b):
    return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))


def _sort_key(row):
    return tuple((0, 0) if v is None else (1, round(v, 4) if isinstance(v, float) else v)
                 for v in row)


def _difference(a, b, names):
    """The first differing column of rows a and b, with the row's leading values."""
    for col, (x, y) in enumerate(zip(a, b)):
        if not _equal(x, y):
            name = names[col] if names and col < len(names) else f"#{col}"
            lead = ", ".join(repr(v) for v in a[:2])
            return f"row ({lead}, ...) column {name}: stratad {x!r}, this {y!r}"
    return f"rows of {len(a)} and {len(b)} columns"


def compare(reference, answer, ordered, names=None):
    """None when `answer` agrees with `reference`, else what differs (one line); `names` are
    the column names, for the message."""
    if len(reference) != len(answer):
        return f"{len(answer)} rows, stratad {len(reference)}"
    if ordered:
        for idx, (a, b) in enumerate(zip(reference, answer)):
            if not rows_equal(a, b):
                if compare(reference, answer, False) is None:
                    return f"same rows in another order (first at row {idx})"
                break
        else:
            return None
    ref_sorted = sorted(reference, key=_sort_key)
    got_sorted = sorted(answer, key=_sort_key)
    for idx, (a, b) in enumerate(zip(ref_sorted, got_sorted)):
        if not rows_equal(a, b):
            return f"sorted row {idx}: {_difference(a, b, names)}"
    return None


class ReferenceStore:
    """stratad's answers, kept on disk (a high-cpu-all answer can hold 400k rows)."""

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.available = set()

    def _path(self, query_type, run):
        return os.path.join(self.directory, f"{query_type}.{run}.pickle")

    def put(self, query_type, run, rows):
        with open(self._path(query_type, run), "wb") as out:
            pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
        self.available.add((query_type, run))

    def get(self, query_type, run):
        if (query_type, run) not in self.available:
            return None
        with open(self._path(query_type, run), "rb") as source:
            return pickle.load(source)
