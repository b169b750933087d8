"""Packed batches for Python guests: `connect-record.batch-packed` of switchyard:transform.

A batch of operations crosses into the host as one `bytes` object and its answers come back as
another, instead of one call (and one set of Python objects) per field. The bytes follow the
packing rule of wit/README.md ("Packed batches"): integers little-endian, an enum or variant
case as one byte, a string or list as its `u32` length and then its items, an option or result
as one byte (0 `none` / `ok`, 1 `some` / `err`) and then the payload.

Only what the example needs is here: reads (`is-null`, `has-schema`, `is-null-at`, `schema`,
`field-names`, `get`), changes (`set`, `put`), and a reader of any answer.
"""

import struct
from typing import List, Optional, Tuple

# Cases of `connect.op`, `connect.part`, `connect.scalar`, `connect.answer`, `connect.data-error`
# and `connect.schema-type`, in the WIT's order.
OP_IS_NULL, OP_IS_NULL_AT, OP_HAS_SCHEMA, OP_SCHEMA, OP_FIELD_NAMES, OP_GET = 0, 1, 3, 4, 5, 6
OP_SET, OP_PUT = 8, 12
# `packed-op`'s cases follow `op`'s (WIT 0.1.3): `diff` is case 19.
OP_DIFF = 19
KEY, VALUE = 0, 1
SCALAR_NULL, SCALAR_BOOLEAN, SCALAR_STRING, SCALAR_BYTES = 0, 1, 8, 9
# Integer and float cases of `scalar` and their `struct` formats.
NUMBER_FORMATS = {2: "<b", 3: "<h", 4: "<i", 5: "<q", 6: "<f", 7: "<d"}
ANSWER_DONE, ANSWER_FLAG, ANSWER_SCHEMA, ANSWER_NAMES, ANSWER_SCALAR, ANSWER_TYPED = range(6)
ERRORS = ("conversion", "no-such-field", "wrong-type", "invalid")
SCHEMA_TYPES = (
    "int8", "int16", "int32", "int64", "float32", "float64",
    "boolean", "string", "bytes", "array", "map", "struct",
)

_U32 = struct.Struct("<I")


class Program:
    """A `list<op>` being packed; `add` returns each operation's index among the answers."""

    def __init__(self) -> None:
        self.ops: List[bytes] = []

    def _add(self, op: bytes) -> int:
        self.ops.append(op)
        return len(self.ops) - 1

    def is_null(self, part: int) -> int:
        return self._add(bytes((OP_IS_NULL, part)))

    def has_schema(self, part: int) -> int:
        return self._add(bytes((OP_HAS_SCHEMA, part)))

    def is_null_at(self, part: int, path: int) -> int:
        return self._add(bytes((OP_IS_NULL_AT, part)) + _U32.pack(path))

    def schema(self, part: int, path: int) -> int:
        return self._add(bytes((OP_SCHEMA, part)) + _U32.pack(path))

    def field_names(self, part: int, path: int) -> int:
        return self._add(bytes((OP_FIELD_NAMES, part)) + _U32.pack(path))

    def get(self, part: int, path: int) -> int:
        return self._add(bytes((OP_GET, part)) + _U32.pack(path))

    def set(self, part: int, path: int, scalar: bytes) -> int:
        """`scalar` packed by `string`, `number` or `NULL`."""
        return self._add(bytes((OP_SET, part)) + _U32.pack(path) + scalar)

    def put(self, part: int, path: int, schema: Optional[bytes], scalar: bytes) -> int:
        """`schema` packed by `schema_info` (None for schemaless data)."""
        return self._add(
            bytes((OP_PUT, part)) + _U32.pack(path) + (b"\x00" if schema is None else b"\x01" + schema) + scalar
        )

    def diff(self, part: int, before: int, after: int) -> int:
        """The fields of `after` whose value differs from `before`'s; answers names."""
        return self._add(bytes((OP_DIFF, part)) + _U32.pack(before) + _U32.pack(after))

    def pack(self) -> bytes:
        return _U32.pack(len(self.ops)) + b"".join(self.ops)


NULL = bytes((SCALAR_NULL,))


def string(text: str) -> bytes:
    """A packed `scalar.string`."""
    data = text.encode()
    return bytes((SCALAR_STRING,)) + _U32.pack(len(data)) + data


def number(case: int, value) -> bytes:
    """A packed integer or float `scalar` of the case `case` (2 `int8` … 7 `float64`)."""
    return bytes((case,)) + struct.pack(NUMBER_FORMATS[case], value)


def schema_info(type_name: str, optional: bool) -> bytes:
    """A packed `schema-info` of a plain type: no name, version, doc, parameters or default."""
    return bytes((SCHEMA_TYPES.index(type_name), optional, 0, 0, 0)) + _U32.pack(0) + b"\x00"


class DataError(Exception):
    """An operation's `data-error`: `case` is its name (`no-such-field`, …)."""

    def __init__(self, case: str, message: str) -> None:
        super().__init__(message)
        self.case = case


class Answers:
    """A packed `list<result<answer, data-error>>`, read on demand.

    Each item is `(True, answer)` or `(False, DataError)`, where an answer is None (`done`), a
    bool (`flag`), a `(type, optional, name)` tuple or None (`schema`), a list of names, or a
    scalar as `(case, value)` with `case` an index of `scalar` (`typed` is not read here).
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 4
        (count,) = _U32.unpack_from(data, 0)
        self.items = [self._item() for _ in range(count)]

    def _u8(self) -> int:
        byte = self.data[self.at]
        self.at += 1
        return byte

    def _u32(self) -> int:
        (value,) = _U32.unpack_from(self.data, self.at)
        self.at += 4
        return value

    def _string(self) -> str:
        size = self._u32()
        text = self.data[self.at : self.at + size].decode()
        self.at += size
        return text

    def _option(self, read):
        return read() if self._u8() else None

    def _schema(self) -> Tuple[str, bool, Optional[str]]:
        kind, optional = SCHEMA_TYPES[self._u8()], bool(self._u8())
        name = self._option(self._string)
        self._option(lambda: self._skip(4))  # version
        self._option(self._string)  # doc
        for _ in range(self._u32()):  # parameters
            self._string()
            self._string()
        self._option(self._string)  # default-json
        return kind, optional, name

    def _skip(self, size: int) -> None:
        self.at += size

    def _scalar(self):
        case = self._u8()
        if case == SCALAR_NULL:
            return case, None
        if case == SCALAR_BOOLEAN:
            return case, bool(self._u8())
        if case == SCALAR_STRING:
            return case, self._string()
        if case == SCALAR_BYTES:
            size = self._u32()
            value = self.data[self.at : self.at + size]
            self.at += size
            return case, value
        fmt = NUMBER_FORMATS[case]
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return case, value

    def _item(self):
        if self._u8():
            return False, DataError(ERRORS[self._u8()], self._string())
        case = self._u8()
        if case == ANSWER_DONE:
            return True, None
        if case == ANSWER_FLAG:
            return True, bool(self._u8())
        if case == ANSWER_SCHEMA:
            return True, self._option(self._schema)
        if case == ANSWER_NAMES:
            return True, [self._string() for _ in range(self._u32())]
        if case == ANSWER_SCALAR:
            return True, self._scalar()
        raise ValueError(f"answer case {case} is not read here")

    def __len__(self) -> int:
        return len(self.items)

    def ok(self, index: int):
        """The answer at `index`; raises its `DataError`."""
        fine, answer = self.items[index]
        if not fine:
            raise answer
        return answer

    def error(self, index: int) -> Optional[DataError]:
        """The error at `index`, or None."""
        fine, answer = self.items[index]
        return None if fine else answer
