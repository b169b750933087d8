// change-router in JavaScript: the same transform as ../rust and ../python, with the same
// output on every record (a test in host/tests/all/languages.rs checks it).
//
// Over a Debezium change event it adds `op_name` and `changed_fields` to the value, masks the
// `mask.fields` of `before` and `after` (strings become `mask.replacement`, integers 0, nulls
// stay null) and routes the event to `topic.deletes` (op `d`) or `topic.changes`. A tombstone
// goes unchanged to `topic.changes`.
//
// A record costs one host call to read it and one to change it: the operations go to the host
// as one packed byte array (`connect-record.batchPacked`) and the answers come back as another,
// packed by the rule of wit/README.md ("Packed batches"). The reads are packed once, in
// `configure`, on paths registered there; and since `apply` keeps nothing between records, it
// declares `dependsOnlyOnAnswers`, so that the host replays its changes on a record that
// answers as an earlier one did, without calling into JavaScript.
//
// WIT types in JavaScript (componentize-js / jco conventions): an enum is a string ('value'),
// a variant is `{ tag, val }`, a `list<u8>` a Uint8Array, an s64 a BigInt, an option the value
// or `undefined`, and a `result` error is thrown: by the host as an Error whose `payload` is
// the error variant, by the guest as the variant itself.

import { dependsOnlyOnAnswers, log } from 'switchyard:transform/host@0.1.4';
import { registerPath } from 'switchyard:transform/connect@0.1.4';

const OP_NAMES = { c: 'create', u: 'update', d: 'delete', r: 'read', t: 'truncate', m: 'message' };

// Cases of `connect.op`, `part`, `scalar`, `answer`, `data-error` and `schema-type`, in the
// WIT's order.
// `diff` is a case of `packed-op`, whose cases follow `op`'s (WIT 0.1.3).
const OP = { isNull: 0, isNullAt: 1, hasSchema: 3, schema: 4, fieldNames: 5, get: 6, set: 8, put: 12, diff: 19 };
const VALUE = 1;
const SCALAR = { null: 0, boolean: 1, string: 8, bytes: 9 };
// Integer and float cases of `scalar`: their size in bytes.
const NUMBER_SIZES = { 2: 1, 3: 2, 4: 4, 5: 8, 6: 4, 7: 8 };
const INTEGER_CASES = new Set([2, 3, 4, 5]);
const ERRORS = ['conversion', 'no-such-field', 'wrong-type', 'invalid'];
const SCHEMA_TYPES = [
  'int8', 'int16', 'int32', 'int64', 'float32', 'float64',
  'boolean', 'string', 'bytes', 'array', 'map', 'struct',
];
const INTEGER_TYPES = { int8: 2, int16: 3, int32: 4, int64: 5 };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A packed `list<op>` being written; each method returns the operation's answer index. */
class Program {
  constructor() {
    this.bytes = [];
    this.count = 0;
  }

  u8(byte) {
    this.bytes.push(byte & 0xff);
  }

  u32(value) {
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
  }

  op(code, path) {
    this.u8(code);
    this.u8(VALUE);
    if (path !== undefined) this.u32(path);
    return this.count++;
  }

  isNull() { return this.op(OP.isNull); }
  hasSchema() { return this.op(OP.hasSchema); }
  isNullAt(path) { return this.op(OP.isNullAt, path); }
  schema(path) { return this.op(OP.schema, path); }
  fieldNames(path) { return this.op(OP.fieldNames, path); }
  get(path) { return this.op(OP.get, path); }

  /** The fields of `after` whose value differs from `before`'s; answers names. */
  diff(before, after) {
    const index = this.op(OP.diff, before);
    this.u32(after);
    return index;
  }

  /** `set` of a scalar already packed (`packString`, `packZero`). */
  set(path, scalar) {
    this.op(OP.set, path);
    for (const byte of scalar) this.bytes.push(byte);
  }

  /** `put` of a string or null, with a string field's schema on schema'd data. */
  putString(path, schema, text) {
    this.op(OP.put, path);
    if (schema) {
      // schema-info: type, optional, no name, version or doc, no parameters, no default.
      this.u8(1);
      this.u8(SCHEMA_TYPES.indexOf('string'));
      this.u8(schema.optional ? 1 : 0);
      this.u8(0); this.u8(0); this.u8(0);
      this.u32(0);
      this.u8(0);
    } else {
      this.u8(0);
    }
    for (const byte of text === null ? [SCALAR.null] : packString(text)) this.bytes.push(byte);
  }

  pack() {
    const out = new Uint8Array(4 + this.bytes.length);
    new DataView(out.buffer).setUint32(0, this.count, true);
    out.set(this.bytes, 4);
    return out;
  }
}

/** A packed `scalar.string`. */
function packString(text) {
  const data = encoder.encode(text);
  const out = new Uint8Array(5 + data.length);
  out[0] = SCALAR.string;
  new DataView(out.buffer).setUint32(1, data.length, true);
  out.set(data, 5);
  return out;
}

/** A packed 0 of the integer case `scalar` (2 `int8` … 5 `int64`). */
function packZero(scalar) {
  return new Uint8Array(1 + NUMBER_SIZES[scalar]).fill(0).fill(scalar, 0, 1);
}

/**
 * A packed `list<result<answer, data-error>>`, read into `{ ok, val }` items: `val` is, for an
 * answer, `null` (`done`), a boolean (`flag`), `{ type, optional }` or `null` (`schema`), an
 * array of names, or a scalar `{ tag, val }` with `tag` its case number; for an error,
 * `{ tag, message }` with `tag` the case name.
 */
function readAnswers(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u8 = () => bytes[at++];
  const u32 = () => { const v = view.getUint32(at, true); at += 4; return v; };
  const string = () => { const n = u32(); const s = decoder.decode(bytes.subarray(at, at + n)); at += n; return s; };
  const option = (read) => (u8() ? read() : undefined);
  const schema = () => {
    const type = SCHEMA_TYPES[u8()];
    const optional = u8() === 1;
    option(string); // name
    option(() => { at += 4; }); // version
    option(string); // doc
    for (let n = u32(); n > 0; n--) { string(); string(); } // parameters
    option(string); // default
    return { type, optional };
  };
  const scalar = () => {
    const tag = u8();
    if (tag === SCALAR.null) return { tag, val: null };
    if (tag === SCALAR.boolean) return { tag, val: u8() === 1 };
    if (tag === SCALAR.string) return { tag, val: string() };
    if (tag === SCALAR.bytes) { const n = u32(); const v = bytes.slice(at, at + n); at += n; return { tag, val: v }; }
    const size = NUMBER_SIZES[tag];
    const val = tag === 5 ? view.getBigInt64(at, true)
      : tag === 6 ? view.getFloat32(at, true)
      : tag === 7 ? view.getFloat64(at, true)
      : size === 1 ? view.getInt8(at)
      : size === 2 ? view.getInt16(at, true)
      : view.getInt32(at, true);
    at += size;
    return { tag, val };
  };
  const items = [];
  for (let n = u32(); n > 0; n--) {
    if (u8()) {
      const tag = ERRORS[u8()];
      items.push({ ok: false, val: { tag, message: string() } });
      continue;
    }
    const answer = u8();
    let val;
    if (answer === 0) val = null;
    else if (answer === 1) val = u8() === 1;
    else if (answer === 2) val = option(schema) ?? null;
    else if (answer === 3) { val = []; for (let k = u32(); k > 0; k--) val.push(string()); }
    else if (answer === 4) val = scalar();
    else throw new Error(`answer case ${answer} is not read here`);
    items.push({ ok: true, val });
  }
  return items;
}

/** Runs a program on the record and reads its answers. */
function run(record, program) {
  return readAnswers(record.batchPacked(program.pack()));
}

let settings = null;
// Path numbers (`connect.register-path`), registered once per path.
const paths = new Map();

/** The number of a path of the value. */
function path(...names) {
  const key = names.join('\u0000');
  let number = paths.get(key);
  if (number === undefined) {
    number = registerPath(names);
    paths.set(key, number);
  }
  return number;
}

/** Splits a comma-separated list, trimming items and ignoring blank ones. */
function splitList(text) {
  return text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** A bad-record error for the host. */
function badRecord(message) {
  return { tag: 'bad-record', val: message };
}

/**
 * Adds the masks of schema'd data from each field's nullness and schema (a masked field is
 * read by them, not its value, so that records that differ only in masked values answer
 * alike); false when a field must be read by value.
 */
function maskBySchema(answers, changes) {
  for (const mask of settings.masks) {
    const isNull = answers[mask.isNull];
    if (!isNull.ok) {
      if (isNull.val.tag === 'no-such-field') continue; // this table has no such field
      return false;
    }
    if (isNull.val) continue;
    const schema = answers[mask.schema];
    if (!schema.ok || schema.val === null) return false;
    if (schema.val.type === 'string') changes.set(mask.path, settings.replacement);
    else if (schema.val.type in INTEGER_TYPES) changes.set(mask.path, packZero(INTEGER_TYPES[schema.val.type]));
    else return false;
  }
  return true;
}

/** Adds the masks from each masked field's value (one more host call). */
function maskByValue(record, changes) {
  const gets = new Program();
  for (const mask of settings.masks) gets.get(mask.path);
  const values = run(record, gets);
  settings.masks.forEach((mask, i) => {
    const value = values[i];
    if (!value.ok) {
      if (value.val.tag === 'no-such-field') return; // no such field, or the row is null
      throw badRecord(value.val.message);
    }
    const { tag } = value.val;
    if (tag === SCALAR.null) return;
    if (tag === SCALAR.string) changes.set(mask.path, settings.replacement);
    else if (INTEGER_CASES.has(tag)) changes.set(mask.path, packZero(tag));
    else throw badRecord(`cannot mask ${mask.row}.${mask.field}: only strings and integers can be masked`);
  });
}

export const transformer = {
  configure(context) {
    const config = new Map(context.config);
    const maskFields = splitList(config.get('mask.fields') ?? '');
    const reads = new Program();
    settings = {
      maskFields,
      replacement: packString(config.get('mask.replacement') ?? '****'),
      changesTopic: config.get('topic.changes') ?? 'product-changes',
      deletesTopic: config.get('topic.deletes') ?? 'product-deletes',
      null: reads.isNull(),
      hasSchema: reads.hasSchema(),
      op: reads.get(path('op')),
      before: reads.get(path('before')),
      // What an update changed, by the host: the names cross, not the values, so updates
      // that change the same fields answer alike and are replayed.
      changed: reads.diff(path('before'), path('after')),
      masks: [],
    };
    for (const row of ['before', 'after']) {
      for (const field of maskFields) {
        const p = path(row, field);
        settings.masks.push({ row, field, path: p, isNull: reads.isNullAt(p), schema: reads.schema(p) });
      }
    }
    settings.reads = reads.pack();
    dependsOnlyOnAnswers();
    log('debug', `masking ${maskFields.join(',') || 'nothing'}`);
  },

  apply(record) {
    const answers = readAnswers(record.batchPacked(settings.reads));
    for (const read of [answers[settings.null], answers[settings.hasSchema]]) {
      if (!read.ok) throw badRecord(read.val.message);
    }
    if (answers[settings.null].val) {
      record.setTopic(settings.changesTopic);
      return [record];
    }
    const op = answers[settings.op];
    if (!op.ok || op.val.tag !== SCALAR.string) {
      throw badRecord('not a Debezium change event: no string `op`');
    }
    const name = OP_NAMES[op.val.val];
    if (name === undefined) throw badRecord(`unknown Debezium op \`${op.val.val}\``);
    const before = answers[settings.before];
    const beforeNull = before.ok && before.val.tag === SCALAR.null;
    let changed = null;
    if (op.val.val === 'u' && !beforeNull) {
      const names = answers[settings.changed];
      if (!names.ok) throw badRecord(names.val.message);
      changed = names.val.join(',');
    }

    const schemaD = answers[settings.hasSchema].val;
    let changes = new Program();
    if (!(schemaD && maskBySchema(answers, changes))) {
      changes = new Program();
      maskByValue(record, changes);
    }
    changes.putString(path('op_name'), schemaD ? { optional: false } : null, name);
    changes.putString(path('changed_fields'), schemaD ? { optional: true } : null, changed);
    const done = run(record, changes);
    for (let i = 0; i < changes.count; i++) {
      if (i >= done.length || !done[i].ok) {
        throw badRecord(i < done.length ? done[i].val.message : 'a change was not made');
      }
    }
    record.setTopic(op.val.val === 'd' ? settings.deletesTopic : settings.changesTopic);
    return [record];
  },
};
