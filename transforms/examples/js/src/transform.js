// change-router in JavaScript: the same transform as ../rust and ../python, with the same
// output on every record (a test in host/tests/all/languages.rs checks it).
//
// Over a Debezium change event it adds `op_name` and `changed_fields` to the value, masks the
// `mask.fields` of `before` and `after` (strings become `mask.replacement`, integers 0, nulls
// stay null) and routes the event to `topic.deletes` (op `d`) or `topic.changes`. A tombstone
// goes unchanged to `topic.changes`.
//
// WIT types in JavaScript (componentize-js / jco conventions): an enum is a string ('value'),
// a variant is `{ tag, val }` (`{ tag: 'string', val: 'u' }`), an s64 is a BigInt, an option is
// the value or `undefined`, and a `result` error is thrown: by the host as an Error whose
// `payload` is the error variant, by the guest as the variant itself.

import { log } from 'switchyard:transform/host@0.1.2';

const OP_NAMES = { c: 'create', u: 'update', d: 'delete', r: 'read', t: 'truncate', m: 'message' };
const INTEGERS = { int8: 0, int16: 0, int32: 0, int64: 0n };

let settings = null;

/** Splits a comma-separated list, trimming items and ignoring blank ones. */
function splitList(text) {
  return text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** A bad-record error for the host. */
function badRecord(message) {
  return { tag: 'bad-record', val: message };
}

/** The scalar at `path` of the value, or `undefined` when the host says there is no such field. */
function getOrAbsent(record, path) {
  try {
    return record.get('value', path);
  } catch (e) {
    if (e.payload && e.payload.tag === 'no-such-field') return undefined;
    throw e;
  }
}

/** Whether two scalars are equal (byte arrays compared by content). */
function sameScalar(a, b) {
  if (a.tag !== b.tag) return false;
  if (a.val instanceof Uint8Array) {
    return a.val.length === b.val.length && a.val.every((byte, i) => byte === b.val[i]);
  }
  return a.val === b.val;
}

// A host call that fails costs memory in componentize-js 0.23 that is never given back (about
// 650 bytes per failure; see README.md), so the code below asks `fieldNames` first and lets a
// call fail only where a row is null.

/** The field names of the struct at `path` of the value; none when it is not a struct. */
function fieldNamesAt(record, path) {
  try {
    return record.fieldNames('value', path);
  } catch {
    return [];
  }
}

/** The fields of an update whose value changed; null when `before` is absent. */
function changedFields(record) {
  const changed = [];
  for (const field of record.fieldNames('value', ['after'])) {
    let b;
    try {
      b = record.get('value', ['before', field]);
    } catch (e) {
      if (e.payload && e.payload.tag === 'no-such-field') return null; // `before` is null
      continue; // nested structures are not compared: only scalars are
    }
    let a;
    try {
      a = record.get('value', ['after', field]);
    } catch {
      continue;
    }
    if (!sameScalar(a, b)) changed.push(field);
  }
  return changed.join(',');
}

/** Masks the configured fields of `before` and `after`. */
function mask(record) {
  for (const row of ['before', 'after']) {
    const names = fieldNamesAt(record, [row]);
    for (const field of settings.maskFields) {
      if (!names.includes(field)) continue;
      const value = getOrAbsent(record, [row, field]);
      if (value === undefined || value.tag === 'null') continue;
      let masked;
      if (value.tag === 'string') {
        masked = { tag: 'string', val: settings.replacement };
      } else if (value.tag in INTEGERS) {
        masked = { tag: value.tag, val: INTEGERS[value.tag] };
      } else {
        throw badRecord(`cannot mask ${row}.${field}: only strings and integers can be masked`);
      }
      record.set('value', [row, field], masked);
    }
  }
}

/** A string field's schema, for `put` on schema'd data. */
function stringSchema(optional) {
  return { type: 'string', optional, parameters: [] };
}

export const transformer = {
  configure(context) {
    const config = new Map(context.config);
    settings = {
      maskFields: splitList(config.get('mask.fields') ?? ''),
      replacement: config.get('mask.replacement') ?? '****',
      changesTopic: config.get('topic.changes') ?? 'product-changes',
      deletesTopic: config.get('topic.deletes') ?? 'product-deletes',
    };
    log('debug', `masking ${settings.maskFields.join(',') || 'nothing'}`);
  },

  apply(record) {
    if (record.isNull('value')) {
      record.setTopic(settings.changesTopic);
      return [record];
    }
    const op = getOrAbsent(record, ['op']);
    if (!op || op.tag !== 'string') {
      throw badRecord('not a Debezium change event: no string `op`');
    }
    const name = OP_NAMES[op.val];
    if (name === undefined) throw badRecord(`unknown Debezium op \`${op.val}\``);
    const changed = op.val === 'u' ? changedFields(record) : null;
    mask(record);

    const schemaD = record.hasSchema('value');
    record.put('value', ['op_name'], schemaD ? stringSchema(false) : undefined, {
      tag: 'string',
      val: name,
    });
    record.put(
      'value',
      ['changed_fields'],
      schemaD ? stringSchema(true) : undefined,
      changed === null ? { tag: 'null' } : { tag: 'string', val: changed },
    );
    record.setTopic(op.val === 'd' ? settings.deletesTopic : settings.changesTopic);
    return [record];
  },
};
