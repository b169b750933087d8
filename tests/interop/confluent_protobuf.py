"""Confluent's Python client on either side of `switchyard apply`, with Protobuf.

    confluent_protobuf.py produce REGISTRY_URL DESCRIPTORS RECORDS_JSONL EXPECTED_JSON
        Builds the message classes of `product.public.products.Key` / `.Value` from
        DESCRIPTORS (a serialized FileDescriptorSet of tests/interop/product.proto), serializes
        product records with `ProtobufSerializer` (the schema registered as Confluent's Python
        client registers it, under the TopicNameStrategy subjects of `product.public.products`)
        and writes them as record JSONL (`key_base64` / `value_base64`); writes the records'
        keys and values as dicts to EXPECTED_JSON.

    confluent_protobuf.py consume REGISTRY_URL DESCRIPTORS RECORDS_JSONL
        Deserializes every line's key and value with `ProtobufDeserializer` into the same
        classes (fields by number) and prints one JSON line per record: {"topic", "key", "value"}.
"""

import base64
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

TOPIC = "product.public.products"


def classes(descriptors_path):
    with open(descriptors_path, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    key = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{TOPIC}.Key"))
    value = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{TOPIC}.Value"))
    return key, value


def as_dict(message):
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def produce(registry, descriptors_path, records_path, expected_path):
    key_class, value_class = classes(descriptors_path)
    client = SchemaRegistryClient({"url": registry})
    conf = {"use.deprecated.format": False}
    key_serializer = ProtobufSerializer(key_class, client, conf)
    value_serializer = ProtobufSerializer(value_class, client, conf)
    expected = []
    with open(records_path, "w", encoding="utf-8") as out:
        for i in range(1, 31):
            key = key_class(id=i)
            value = value_class(
                id=i,
                name=f"product {i} \u00e9",
                price=i * 990.25,
                in_stock=i % 2 == 0,
                tags=[f"t{j}" for j in range(i % 3)],
                status=i % 3,
                attributes={f"a{j}": f"v{j}" for j in range(i % 2)},
            )
            key_bytes = key_serializer(key, SerializationContext(TOPIC, MessageField.KEY))
            value_bytes = value_serializer(value, SerializationContext(TOPIC, MessageField.VALUE))
            out.write(
                json.dumps(
                    {
                        "topic": TOPIC,
                        "partition": 0,
                        "offset": i - 1,
                        "key_base64": base64.b64encode(key_bytes).decode(),
                        "value_base64": base64.b64encode(value_bytes).decode(),
                    }
                )
                + "\n"
            )
            expected.append({"key": as_dict(key), "value": as_dict(value)})
    with open(expected_path, "w", encoding="utf-8") as out:
        json.dump(expected, out)


def consume(registry, descriptors_path, records_path):
    key_class, value_class = classes(descriptors_path)
    conf = {"use.deprecated.format": False}
    key_deserializer = ProtobufDeserializer(key_class, conf)
    value_deserializer = ProtobufDeserializer(value_class, conf)
    with open(records_path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            topic = record["topic"]
            key = key_deserializer(
                base64.b64decode(record["key_base64"]), SerializationContext(topic, MessageField.KEY)
            )
            value = value_deserializer(
                base64.b64decode(record["value_base64"]),
                SerializationContext(topic, MessageField.VALUE),
            )
            print(json.dumps({"topic": topic, "key": as_dict(key), "value": as_dict(value)}))


if __name__ == "__main__":
    command, registry, *paths = sys.argv[1:]
    if command == "produce":
        produce(registry, *paths)
    elif command == "consume":
        consume(registry, *paths)
    else:
        sys.exit(f"unknown command {command}")
