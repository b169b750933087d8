// {{name}}: a Switchyard transform (a Kafka Connect single message transform as a WebAssembly
// component). Edit `transform`; everything else is plumbing.
//
// The WIT contract is in wit/ (wit/README.md explains it). In JavaScript (componentize-js): an
// enum is a string ('value'), a variant is `{ tag, val }` (`{ tag: 'string', val: 'x' }`), an
// option is the value or `undefined`. A host call that fails throws an Error whose `payload` is
// the `data-error` variant; to fail a record, throw a `transform-error` variant such as
// `{ tag: 'bad-record', val: 'why' }`.

let settings = null;

/**
 * The transform: masks `field` in the record value; passes everything else, tombstones
 * included, unchanged. Return `[]` to drop the record, several records to fan out.
 */
function transform(record) {
  if (record.isNull('value')) return [record];
  let value;
  try {
    // Ask for the field names first: with componentize-js 0.23 every host call that fails
    // keeps some memory for the life of the instance, so keep failures off the common path.
    if (!record.fieldNames('value', []).includes(settings.field)) return [record];
    value = record.get('value', [settings.field]);
  } catch (e) {
    throw { tag: 'bad-record', val: String(e.payload ? e.payload.val : e) };
  }
  if (value.tag === 'string') {
    record.set('value', [settings.field], { tag: 'string', val: settings.replacement });
  }
  return [record];
}

export const transformer = {
  configure(context) {
    const config = new Map(context.config.map(([k, v]) => [k, v.trim()]));
    const field = config.get('field') ?? 'email';
    if (field === '') throw { key: 'field', message: 'must name a field' };
    settings = { field, replacement: config.get('replacement') ?? '****' };
  },

  apply(record) {
    return transform(record);
  },
};
