"""{{name}}: a Switchyard transform (a Kafka Connect single message transform as a WebAssembly
component). Edit `transform`; everything else is plumbing.

The WIT contract is in wit/ (wit/README.md explains it); componentize-py generates the
`wit_world` package from it while building (`componentize-py -d wit -w transform bindings .`
writes it here for an editor). A host call that fails raises `Err` whose `value` is the
`data-error` variant; to fail a record, raise `Err(TransformError_BadRecord("why"))`.
"""

from typing import List

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.connect import ConnectRecord, DataError_NoSuchField, Part, Scalar_String
from wit_world.imports.types import ConfigError, Context, TransformError_BadRecord


class Settings:
    """The step's configuration (`config = { ... }` in the pipeline file)."""

    def __init__(self, config: dict) -> None:
        self.field = config.get("field", "email").strip()
        self.replacement = config.get("replacement", "****").strip()
        if not self.field:
            raise Err(ConfigError("field", "must name a field"))


# componentize-py makes a new `Transformer` for every call: state lives in the module.
SETTINGS = Settings({})


def transform(record: ConnectRecord) -> List[ConnectRecord]:
    """Masks `field` in the record value; passes everything else, tombstones included,
    unchanged. Return [] to drop the record, several records to fan out."""
    if record.is_null(Part.VALUE):
        return [record]
    try:
        value = record.get(Part.VALUE, [SETTINGS.field])
    except Err as e:
        if isinstance(e.value, DataError_NoSuchField):
            return [record]
        raise Err(TransformError_BadRecord(str(e.value)))
    if isinstance(value, Scalar_String):
        record.set(Part.VALUE, [SETTINGS.field], Scalar_String(SETTINGS.replacement))
    return [record]


class Transformer(exports.Transformer):
    """The exported `transformer` interface."""

    def configure(self, context: Context) -> None:
        global SETTINGS
        SETTINGS = Settings(dict(context.config))

    def apply(self, input: ConnectRecord) -> List[ConnectRecord]:
        return transform(input)
