/**
 * A small, dependency-free RFC 4180 CSV parser.
 *
 * - Fields are separated by commas and records by CRLF or LF (a lone CR is accepted too).
 * - A field may be enclosed in double quotes; a quoted field may contain commas, line breaks and
 *   doubled double quotes (`""` stands for one `"`).
 * - The first record is the header; every other record becomes an object keyed by the header names.
 * - A trailing line break at the end of the text is ignored, as is a UTF-8 byte order mark.
 *
 * The parser is strict so that a damaged file fails loudly instead of shifting columns: it throws on a
 * quote inside an unquoted field, on text after a closing quote, on an unterminated quoted field, on
 * duplicate or empty header names, and on a record whose field count differs from the header's.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const records = parseRecords(text);
  if (records.length === 0) {
    throw new Error('CSV text is empty: a header record is required');
  }
  const [header, ...rows] = records;
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') {
      throw new Error('CSV header has an empty column name');
    }
    if (seen.has(name)) {
      throw new Error(`CSV header has a duplicate column name: ${name}`);
    }
    seen.add(name);
  }
  return rows.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new Error(`CSV record ${index + 2} has ${fields.length} fields, but the header has ${header.length}`);
    }
    const row: Record<string, string> = {};
    header.forEach((name, column) => {
      row[name] = fields[column];
    });
    return row;
  });
}

/** Splits CSV text into records of raw field values (header included). */
function parseRecords(input: string): string[][] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  /** Whether the current field was quoted (its closing quote has been read). */
  let fieldQuoted = false;
  /** Whether nothing of the current record has been read yet. */
  let atRecordStart = true;
  let line = 1;
  let i = 0;

  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      if (fieldQuoted) {
        throw new Error(`CSV line ${line}: unexpected quote after a closing quote`);
      }
      if (field !== '') {
        throw new Error(`CSV line ${line}: quote inside an unquoted field`);
      }
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new Error(`CSV line ${startLine}: unterminated quoted field`);
        }
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') {
          line++;
        }
        field += q;
        i++;
      }
      fieldQuoted = true;
      atRecordStart = false;
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      fieldQuoted = false;
      atRecordStart = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldQuoted = false;
      atRecordStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    if (fieldQuoted) {
      throw new Error(`CSV line ${line}: unexpected character after a closing quote`);
    }
    field += c;
    atRecordStart = false;
    i++;
  }
  // The last record when the text does not end with a line break.
  if (!atRecordStart) {
    record.push(field);
    records.push(record);
  }
  return records;
}
