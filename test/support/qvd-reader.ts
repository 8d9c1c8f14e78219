/**
 * A QVD reader for tests, written from the format's public description independently of the
 * writer's code paths: it parses the XML header, reads each field's symbol table by type byte
 * and unpacks the bit-stuffed index table, so a test can check every column, value and type.
 */
export interface QvdField {
  name: string;
  bitOffset: number;
  bitWidth: number;
  bias: number;
  symbols: (string | number)[];
  /** Type byte of each symbol (1 int, 2 float, 4 text, 5/6 dual). */
  symbolTypes: number[];
  tags: string[];
}

export interface QvdTable {
  tableName: string;
  fields: QvdField[];
  rows: Record<string, string | number | null>[];
}

const tag = (xml: string, name: string): string => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!m) throw new Error(`QVD header has no <${name}>`);
  return m[1]!;
};

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

function readSymbols(
  data: Buffer,
  start: number,
  length: number,
  count: number,
): { values: (string | number)[]; types: number[] } {
  const values: (string | number)[] = [];
  const types: number[] = [];
  let p = start;
  const text = () => {
    const end = data.indexOf(0, p);
    const s = data.subarray(p, end).toString('utf8');
    p = end + 1;
    return s;
  };
  while (p < start + length) {
    const type = data[p++]!;
    types.push(type);
    if (type === 1) {
      values.push(data.readInt32LE(p));
      p += 4;
    } else if (type === 2) {
      values.push(data.readDoubleLE(p));
      p += 8;
    } else if (type === 4) values.push(text());
    else if (type === 5) {
      p += 4;
      values.push(text());
    } else if (type === 6) {
      p += 8;
      values.push(text());
    } else throw new Error(`unknown symbol type ${type} at ${p - 1}`);
  }
  if (values.length !== count) throw new Error(`expected ${count} symbols, read ${values.length}`);
  return { values, types };
}

export function readQvd(file: Buffer): QvdTable {
  const end = file.indexOf('</QvdTableHeader>');
  if (end < 0) throw new Error('no QVD header');
  const headerEnd = end + '</QvdTableHeader>'.length;
  const xml = file.subarray(0, headerEnd).toString('utf8');
  let dataStart = headerEnd;
  while (file[dataStart] === 0x0d || file[dataStart] === 0x0a) dataStart++;
  if (file[dataStart] === 0) dataStart++;
  const data = file.subarray(dataStart);
  const fieldsXml = tag(xml, 'Fields');
  const fields: QvdField[] = [...fieldsXml.matchAll(/<QvdFieldHeader>([\s\S]*?)<\/QvdFieldHeader>/g)].map(
    (m) => {
      const f = m[1]!;
      const symbols = readSymbols(
        data,
        Number(tag(f, 'Offset')),
        Number(tag(f, 'Length')),
        Number(tag(f, 'NoOfSymbols')),
      );
      return {
        name: unescapeXml(tag(f, 'FieldName')),
        bitOffset: Number(tag(f, 'BitOffset')),
        bitWidth: Number(tag(f, 'BitWidth')),
        bias: Number(tag(f, 'Bias')),
        symbols: symbols.values,
        symbolTypes: symbols.types,
        tags: [...tag(f, 'Tags').matchAll(/<String>(.*?)<\/String>/g)].map((t) => t[1]!),
      };
    },
  );
  const recordBytes = Number(/<RecordByteSize>(\d+)<\/RecordByteSize>/.exec(xml)![1]);
  const count = Number(/<NoOfRecords>(\d+)<\/NoOfRecords>/.exec(xml)![1]);
  const tableXml = xml.slice(xml.indexOf('</Fields>'));
  const indexOffset = Number(tag(tableXml, 'Offset'));
  const indexLength = Number(tag(tableXml, 'Length'));
  if (indexLength !== recordBytes * count) throw new Error('index table length does not match the records');
  if (indexOffset + indexLength !== data.length) throw new Error('index table does not end the file');
  const rows: QvdTable['rows'] = [];
  for (let r = 0; r < count; r++) {
    let record = 0n;
    for (let b = recordBytes - 1; b >= 0; b--)
      record = (record << 8n) | BigInt(data[indexOffset + r * recordBytes + b]!);
    const row: Record<string, string | number | null> = {};
    for (const f of fields) {
      const stored =
        f.bitWidth === 0 ? 0 : Number((record >> BigInt(f.bitOffset)) & ((1n << BigInt(f.bitWidth)) - 1n));
      const index = stored + f.bias;
      row[f.name] = index < 0 ? null : (f.symbols[index] ?? null);
    }
    rows.push(row);
  }
  return { tableName: tag(xml, 'TableName'), fields, rows };
}
