"""Confluent's Python client on either side of `switchyard apply`, with JSON Schema.

    confluent_json.py produce REGISTRY_URL RECORDS_JSONL EXPECTED_JSON
        Serializes product records with `JSONSerializer` (their key and value schemas
        registered under the TopicNameStrategy subjects of `product.public.products`) and
        writes them as record JSONL (`key_base64` / `value_base64`); writes the records' keys
        and values, as Python dicts, to EXPECTED_JSON.

    confluent_json.py consume REGISTRY_URL RECORDS_JSONL
        Deserializes every line's key and value with `JSONDeserializer` (the writer's schema
        fetched by the id in the bytes, the payload validated against it) and prints one JSON
        line per record: {"topic", "key", "value"}.
"""

import base64
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

TOPIC = "product.public.products"

# Schemas as a Python team writes them: no Kafka Connect annotations.
KEY_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "product.public.products.Key",
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "required": ["id"],
}
VALUE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "shop.Product",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "price": {"type": "number"},
        "in_stock": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"type": ["null", "string"]},
    },
    "required": ["id", "name", "price", "in_stock", "tags"],
}


def products():
    for i in range(1, 41):
        yield {"id": i}, {
            "id": i,
            "name": f"product {i} \u00e9\u00e8 \"quoted\"",
            "price": i * 1250.5,
            "in_stock": i % 3 != 0,
            "tags": [f"t{j}" for j in range(i % 4)],
            "note": None if i % 2 else f"note {i}",
        }


def produce(registry, records_path, expected_path):
    client = SchemaRegistryClient({"url": registry})
    key_serializer = JSONSerializer(json.dumps(KEY_SCHEMA), client)
    value_serializer = JSONSerializer(json.dumps(VALUE_SCHEMA), client)
    expected = []
    with open(records_path, "w", encoding="utf-8") as out:
        for offset, (key, value) in enumerate(products()):
            key_bytes = key_serializer(key, SerializationContext(TOPIC, MessageField.KEY))
            value_bytes = value_serializer(value, SerializationContext(TOPIC, MessageField.VALUE))
            line = {
                "topic": TOPIC,
                "partition": 0,
                "offset": offset,
                "key_base64": base64.b64encode(key_bytes).decode(),
                "value_base64": base64.b64encode(value_bytes).decode(),
            }
            out.write(json.dumps(line) + "\n")
            expected.append({"key": key, "value": value})
    with open(expected_path, "w", encoding="utf-8") as out:
        json.dump(expected, out)


def consume(registry, records_path):
    client = SchemaRegistryClient({"url": registry})
    deserializer = JSONDeserializer(None, schema_registry_client=client)
    with open(records_path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            topic = record["topic"]
            decoded = {"topic": topic}
            for part, field in (("key", MessageField.KEY), ("value", MessageField.VALUE)):
                data = base64.b64decode(record[f"{part}_base64"])
                decoded[part] = deserializer(data, SerializationContext(topic, field))
            print(json.dumps(decoded))


if __name__ == "__main__":
    command, registry, *paths = sys.argv[1:]
    if command == "produce":
        produce(registry, *paths)
    elif command == "consume":
        consume(registry, *paths)
    else:
        sys.exit(f"unknown command {command}")
