/**
 * A QVD file writer (Qlik's native table format), written from the format's public
 * description since no library for it exists on the registry:
 *
 *   XML table header (UTF-8), `\r\n`, one NUL byte
 *   symbol tables: per field, its distinct values, each a type byte and the value
 *     1 = int32 LE, 2 = float64 LE, 4 = NUL-terminated UTF-8 text,
 *     5 = int32 + text, 6 = float64 + text (duals; not written here)
 *   index table: one record of `RecordByteSize` bytes per row, read as a little-endian
 *     integer; each field's symbol index sits at its `BitOffset` in `BitWidth` bits, and
 *     index + `Bias` < 0 means null (Bias is -2 for a field that holds nulls, so 0 is null
 *     and symbol i is stored as i + 2).
 *
 * The header's field `Offset`/`Length` locate each symbol table after the NUL byte; the
 * table's `Offset`/`Length` locate the index table. Numbers that are whole and within int32
 * are written as int32, other numbers as float64; booleans as Qlik's -1 / 0; text as text.
 */

export type QvdValue = string | number | boolean | null;

export interface QvdColumn {
  name: string;
  values: readonly QvdValue[];
}

interface FieldLayout {
  name: string;
  symbols: Buffer;
  count: number;
  bitWidth: number;
  bias: number;
  /** Per row: the stored index (bias already removed). */
  stored: number[];
  numeric: boolean;
  integer: boolean;
}

function symbolBytes(value: string | number): Buffer {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    const out = Buffer.alloc(text.length + 2);
    out[0] = 4;
    text.copy(out, 1);
    return out;
  }
  if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
    const out = Buffer.alloc(5);
    out[0] = 1;
    out.writeInt32LE(value, 1);
    return out;
  }
  const out = Buffer.alloc(9);
  out[0] = 2;
  out.writeDoubleLE(value, 1);
  return out;
}

function bitsFor(maxIndex: number): number {
  let bits = 0;
  while (2 ** bits <= maxIndex) bits++;
  return bits;
}

function layoutOf(column: QvdColumn): FieldLayout {
  const index = new Map<string | number, number>();
  const symbols: Buffer[] = [];
  let hasNull = false;
  let numeric = true;
  let integer = true;
  const indexes = column.values.map((raw) => {
    if (raw === null || (typeof raw === 'number' && !Number.isFinite(raw))) {
      hasNull = true;
      return -1;
    }
    const value = typeof raw === 'boolean' ? (raw ? -1 : 0) : raw;
    if (typeof value === 'string') numeric = false;
    else if (!Number.isInteger(value)) integer = false;
    let i = index.get(value);
    if (i === undefined) {
      i = symbols.length;
      index.set(value, i);
      symbols.push(symbolBytes(value));
    }
    return i;
  });
  const bias = hasNull ? -2 : 0;
  const stored = indexes.map((i) => (i < 0 ? 0 : i - bias));
  const maxStored = stored.reduce((max, v) => Math.max(max, v), 0);
  return {
    name: column.name,
    symbols: Buffer.concat(symbols),
    count: symbols.length,
    bitWidth: bitsFor(maxStored),
    bias,
    stored,
    numeric: numeric && symbols.length > 0,
    integer: integer && numeric && symbols.length > 0,
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fieldHeader(f: FieldLayout, bitOffset: number, offset: number): string {
  const tags =
    f.count === 0
      ? ''
      : f.integer
        ? '<String>$numeric</String><String>$integer</String>'
        : f.numeric
          ? '<String>$numeric</String>'
          : '<String>$text</String>';
  return [
    '    <QvdFieldHeader>',
    `      <FieldName>${escapeXml(f.name)}</FieldName>`,
    `      <BitOffset>${bitOffset}</BitOffset>`,
    `      <BitWidth>${f.bitWidth}</BitWidth>`,
    `      <Bias>${f.bias}</Bias>`,
    `      <NumberFormat><Type>${f.integer ? 'INTEGER' : f.numeric ? 'REAL' : 'UNKNOWN'}</Type><nDec>0</nDec><UseThou>0</UseThou><Fmt></Fmt><Dec></Dec><Thou></Thou></NumberFormat>`,
    `      <NoOfSymbols>${f.count}</NoOfSymbols>`,
    `      <Offset>${offset}</Offset>`,
    `      <Length>${f.symbols.length}</Length>`,
    '      <Comment></Comment>',
    `      <Tags>${tags}</Tags>`,
    '    </QvdFieldHeader>',
  ].join('\r\n');
}

/** Packs each row's stored indexes into `recordBytes` little-endian bytes. */
function indexTable(fields: FieldLayout[], offsets: number[], rows: number, recordBytes: number): Buffer {
  const table = Buffer.alloc(rows * recordBytes);
  for (let row = 0; row < rows; row++) {
    let record = 0n;
    fields.forEach((f, i) => {
      if (f.bitWidth > 0) record |= BigInt(f.stored[row]!) << BigInt(offsets[i]!);
    });
    for (let b = 0; b < recordBytes; b++) {
      table[row * recordBytes + b] = Number((record >> BigInt(8 * b)) & 0xffn);
    }
  }
  return table;
}

/** The bytes of a QVD file holding `columns` (all of the same length) as table `tableName`. */
export function writeQvd(tableName: string, columns: readonly QvdColumn[], now = new Date()): Buffer {
  const rows = columns[0]?.values.length ?? 0;
  const fields = columns.map(layoutOf);
  const bitOffsets: number[] = [];
  let bits = 0;
  for (const f of fields) {
    bitOffsets.push(bits);
    bits += f.bitWidth;
  }
  const recordBytes = Math.ceil(bits / 8);
  let symbolOffset = 0;
  const headers = fields.map((f, i) => {
    const header = fieldHeader(f, bitOffsets[i]!, symbolOffset);
    symbolOffset += f.symbols.length;
    return header;
  });
  const index = indexTable(fields, bitOffsets, rows, recordBytes);
  const created = now.toISOString().slice(0, 19).replace('T', ' ');
  const xml = [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>',
    '<QvdTableHeader>',
    '  <QvBuildNo>50668</QvBuildNo>',
    '  <CreatorDoc></CreatorDoc>',
    `  <CreateUtcTime>${created}</CreateUtcTime>`,
    '  <SourceFileSize>-1</SourceFileSize>',
    `  <TableName>${escapeXml(tableName)}</TableName>`,
    '  <Fields>',
    ...headers,
    '  </Fields>',
    '  <Compression></Compression>',
    `  <RecordByteSize>${recordBytes}</RecordByteSize>`,
    `  <NoOfRecords>${rows}</NoOfRecords>`,
    `  <Offset>${symbolOffset}</Offset>`,
    `  <Length>${index.length}</Length>`,
    '  <Comment></Comment>',
    '</QvdTableHeader>',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${xml}\r\n\0`, 'utf8'), ...fields.map((f) => f.symbols), index]);
}
