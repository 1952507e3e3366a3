import { Directory, MatrixUserId, usccProblem, USCC_PROBLEM_MESSAGES, UnitId, type Person, type Unit } from '@govdesk/shared';

/**
 * What an operator imports into the directory: units and people, from CSV
 * (as a spreadsheet exports it) or JSON (`{ "units": […], "people": […] }`).
 * Every bad row is reported with its file and line and the reason, in
 * Chinese, the operators' language; a file with any problem imports nothing.
 * Pure: the caller reads the files.
 */

export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportProblem {
  file: string;
  /** 1-based; the header is line 1 of a CSV file. null: the problem is the file's, not a row's. */
  line: number | null;
  message: string;
}

export type ImportOutcome = { ok: true; directory: Directory } | { ok: false; problems: ImportProblem[] };

/** Where a row came from, for its problems. */
interface Origin {
  file: string;
  line: number;
}

/** Raw rows as the files give them, before any check. */
interface Rows {
  units: { origin: Origin; fields: Record<string, unknown> }[];
  people: { origin: Origin; fields: Record<string, unknown> }[];
}

/** CSV headers, English or as Chinese spreadsheets name them, and the field each means. */
const UNIT_COLUMNS: Record<string, string> = { id: 'id', 单位编码: 'id', name: 'name', 单位名称: 'name', parent: 'parentId', 上级单位编码: 'parentId', uscc: 'uscc', 统一社会信用代码: 'uscc' };
const PERSON_COLUMNS: Record<string, string> = {
  user_id: 'userId',
  账号: 'userId',
  name: 'displayName',
  姓名: 'displayName',
  class: 'class',
  类别: 'class',
  unit: 'unitId',
  所属单位编码: 'unitId',
  title: 'title',
  职务: 'title',
  enterprise: 'enterpriseName',
  企业名称: 'enterpriseName',
  enterprise_uscc: 'enterpriseUscc',
  企业统一社会信用代码: 'enterpriseUscc',
};
const CLASS_NAMES: Record<string, Person['class']> = {
  civil_servant: 'civil_servant',
  公务员: 'civil_servant',
  enterprise_liaison: 'enterprise_liaison',
  企业联络员: 'enterprise_liaison',
  citizen: 'citizen',
  群众: 'citizen',
};
const FIELD_NAMES: Record<string, string> = {
  id: '单位编码',
  name: '单位名称',
  parentId: '上级单位编码',
  uscc: '统一社会信用代码',
  userId: '账号',
  displayName: '姓名',
  class: '类别',
  unitId: '所属单位编码',
  title: '职务',
  enterpriseName: '企业名称',
  enterpriseUscc: '企业统一社会信用代码',
};

export function readImportFiles(files: readonly ImportFile[]): ImportOutcome {
  const problems: ImportProblem[] = [];
  const rows: Rows = { units: [], people: [] };
  for (const file of files) {
    const text = decodeText(file.bytes);
    if (file.name.toLowerCase().endsWith('.json')) readJson(file.name, text, rows, problems);
    else if (file.name.toLowerCase().endsWith('.csv')) readCsv(file.name, text, rows, problems);
    else problems.push({ file: file.name, line: null, message: '只能导入 .csv 或 .json 文件' });
  }
  // Rows of a file that could be read are checked even when another part of it could not: the operator sees all at once.
  const units = checkUnits(rows.units, problems);
  const people = checkPeople(rows.people, new Set(units.map(({ unit }) => unit.id)), problems);
  if (problems.length > 0) {
    // In the order the operator gave the files, then by line.
    const order = new Map(files.map((file, index) => [file.name, index]));
    return { ok: false, problems: problems.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0)) };
  }
  // The rows passed one by one and together; the schema of the whole is the last word all the same.
  const directory = Directory.safeParse({ units: units.map(({ unit }) => unit), people: people.map(({ person }) => person) });
  if (!directory.success) return { ok: false, problems: directory.error.issues.map((issue) => ({ file: files[0]?.name ?? '', line: null, message: issue.message })) };
  return { ok: true, directory: directory.data };
}

export function formatProblem({ file, line, message }: ImportProblem): string {
  return line === null ? `${file}：${message}` : `${file} 第 ${line} 行：${message}`;
}

/**
 * UTF-8 (with or without the BOM spreadsheets write), or else GB 18030, which
 * a spreadsheet on a Chinese Windows saves CSV in by default.
 */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

// ---------------------------------------------------------------- CSV

/** RFC 4180 records, each with the line it starts on; a quoted field may hold commas, quotes ("") and line breaks. */
export function csvRecords(text: string): { line: number; fields: string[] }[] | { error: string; line: number } {
  const records: { line: number; fields: string[] }[] = [];
  let position = 0;
  let line = 1;
  while (position < text.length) {
    const newline = text.indexOf('\n', position);
    const end = newline === -1 ? text.length : newline;
    const raw = text.slice(position, end);
    if (!raw.includes('"')) {
      // Most rows quote nothing: split them at once (a million-row file is read in a fraction of the time).
      records.push({ line, fields: (raw.endsWith('\r') ? raw.slice(0, -1) : raw).split(',') });
      position = end + 1;
      line++;
      continue;
    }
    const record = quotedRecord(text, position);
    if ('error' in record) return { error: record.error, line };
    records.push({ line, fields: record.fields });
    position = record.next;
    line += record.lines;
  }
  // Blank lines (a trailing one, most often) are no rows.
  return records.filter((record) => record.fields.some((value) => value.trim() !== ''));
}

/** One record that quotes a field, read character by character from `start` to its end of line. */
function quotedRecord(text: string, start: number): { fields: string[]; next: number; lines: number } | { error: string } {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  let lines = 1;
  for (let i = start; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') lines++;
        field += char;
      }
    } else if (char === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
    } else if (char === '\n' || (char === '\r' && text[i + 1] === '\n')) {
      fields.push(field);
      return { fields, next: char === '\r' ? i + 2 : i + 1, lines };
    } else {
      field += char;
      atFieldStart = false;
    }
  }
  if (quoted) return { error: '引号没有闭合' };
  fields.push(field);
  return { fields, next: text.length, lines };
}

function readCsv(file: string, text: string, rows: Rows, problems: ImportProblem[]): void {
  const records = csvRecords(text);
  if (!Array.isArray(records)) {
    problems.push({ file, line: records.line, message: records.error });
    return;
  }
  const [header, ...body] = records;
  if (!header) {
    problems.push({ file, line: null, message: '文件是空的' });
    return;
  }
  const names = header.fields.map((name) => name.trim());
  // The header says what the file holds: people have an account column, units do not.
  const kind = names.some((name) => PERSON_COLUMNS[name] === 'userId') ? 'people' : 'units';
  const columns = kind === 'people' ? PERSON_COLUMNS : UNIT_COLUMNS;
  const unknown = names.filter((name) => !(name in columns));
  if (unknown.length > 0) {
    problems.push({ file, line: header.line, message: `不认识的列：${unknown.join('、')}（可用的列：${[...new Set(Object.keys(columns))].join('、')}）` });
    return;
  }
  for (const record of body) {
    if (record.fields.length !== names.length) {
      problems.push({ file, line: record.line, message: `有 ${record.fields.length} 列，表头有 ${names.length} 列` });
      continue;
    }
    const fields: Record<string, unknown> = {};
    names.forEach((name, index) => {
      const value = (record.fields[index] as string).trim();
      // An empty cell is an absent value, as in a spreadsheet.
      if (value !== '') fields[columns[name] as string] = value;
    });
    rows[kind].push({ origin: { file, line: record.line }, fields });
  }
}

// ---------------------------------------------------------------- JSON

function readJson(file: string, text: string, rows: Rows, problems: ImportProblem[]): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    problems.push({ file, line: null, message: `不是有效的 JSON：${(error as Error).message}` });
    return;
  }
  const { units = [], people = [] } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { units?: unknown; people?: unknown };
  if (!Array.isArray(units) || !Array.isArray(people) || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push({ file, line: null, message: '应为 { "units": [...], "people": [...] }' });
    return;
  }
  const lines = elementLines(text);
  const place = (key: 'units' | 'people', index: number): Origin => ({ file, line: lines[key][index] ?? 1 });
  units.forEach((fields: unknown, index) => rows.units.push({ origin: place('units', index), fields: objectOrEmpty(fields) }));
  people.forEach((fields: unknown, index) => {
    const record = objectOrEmpty(fields);
    // JSON holds a liaison's enterprise as an object; the checks below take the flat fields a CSV row has.
    const enterprise = objectOrEmpty(record.enterprise);
    rows.people.push({ origin: place('people', index), fields: { ...record, enterpriseName: enterprise.name, enterpriseUscc: enterprise.uscc } });
  });
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The line each element of the top-level `units` and `people` arrays starts on, by a scan of the (valid) JSON text. */
function elementLines(text: string): { units: number[]; people: number[] } {
  const lines = { units: [] as number[], people: [] as number[] };
  let line = 1;
  let depth = 0;
  let lastKey: string | null = null;
  let current: 'units' | 'people' | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\n') line++;
    else if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = text.slice(i + 1, end);
      if (current && depth === 2) lines[current].push(line);
      if (depth === 1) lastKey = value;
      i = end;
    } else if (char === '{' || char === '[') {
      if (current && depth === 2) lines[current].push(line);
      depth++;
      if (depth === 2 && char === '[' && (lastKey === 'units' || lastKey === 'people')) current = lastKey;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 1) current = null;
    } else if (current && depth === 2 && /[-0-9tfn]/.test(char)) {
      // A scalar element (not a valid row, but it has a line): skip the rest of it.
      lines[current].push(line);
      while (i + 1 < text.length && !/[,\]\s]/.test(text[i + 1] as string)) i++;
    }
  }
  return lines;
}

// ---------------------------------------------------------------- checks

type Checked<T> = { origin: Origin; value: T };

function textField(fields: Record<string, unknown>, key: string, problems: string[], options: { required: boolean; max?: number }): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') {
    if (options.required) problems.push(`缺少${FIELD_NAMES[key] ?? key}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push(`${FIELD_NAMES[key] ?? key}应为文字`);
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed.length > (options.max ?? 100)) problems.push(`${FIELD_NAMES[key] ?? key}超过 ${options.max ?? 100} 个字`);
  return trimmed;
}

function uscc(fields: Record<string, unknown>, key: string, problems: string[], required: boolean): string | undefined {
  const code = textField(fields, key, problems, { required, max: 18 * 4 });
  if (code === undefined) return undefined;
  const problem = usccProblem(code);
  if (problem) problems.push(`${FIELD_NAMES[key]} ${code}：${USCC_PROBLEM_MESSAGES[problem]['zh-CN']}`);
  return code;
}

function unitId(fields: Record<string, unknown>, key: string, problems: string[], required: boolean): string | undefined {
  const id = textField(fields, key, problems, { required, max: 64 });
  if (id !== undefined && !UnitId.safeParse(id).success) problems.push(`${FIELD_NAMES[key]} ${id} 只能由小写字母、数字和连字符组成`);
  return id;
}

function checkUnits(rows: Rows['units'], problems: ImportProblem[]): { origin: Origin; unit: Unit }[] {
  const checked: Checked<Unit>[] = [];
  for (const { origin, fields } of rows) {
    const found: string[] = [];
    const id = unitId(fields, 'id', found, true);
    const name = textField(fields, 'name', found, { required: true });
    const parentId = unitId(fields, 'parentId', found, false) ?? null;
    const code = uscc(fields, 'uscc', found, false);
    for (const message of found) problems.push({ ...origin, message });
    if (found.length === 0 && id !== undefined && name !== undefined) checked.push({ origin, value: { id, name, parentId, ...(code === undefined ? {} : { uscc: code }) } });
  }
  const byId = new Map<string, Checked<Unit>>();
  for (const row of checked) {
    const first = byId.get(row.value.id);
    if (first) problems.push({ ...row.origin, message: `单位编码 ${row.value.id} 重复（第一次出现在 ${first.origin.file} 第 ${first.origin.line} 行）` });
    else byId.set(row.value.id, row);
  }
  for (const row of byId.values()) {
    const { parentId } = row.value;
    if (parentId !== null && !byId.has(parentId)) {
      problems.push({ ...row.origin, message: `上级单位编码 ${parentId} 不存在` });
      continue;
    }
    const seen = new Set([row.value.id]);
    for (let at = parentId; at !== null; at = byId.get(at)?.value.parentId ?? null) {
      if (seen.has(at)) {
        problems.push({ ...row.origin, message: `单位 ${row.value.id} 成了自己的上级（上下级关系形成环）` });
        break;
      }
      seen.add(at);
    }
  }
  return [...byId.values()].map(({ origin, value }) => ({ origin, unit: value }));
}

function checkPeople(rows: Rows['people'], unitIds: ReadonlySet<string>, problems: ImportProblem[]): { origin: Origin; person: Person }[] {
  const checked: Checked<Person>[] = [];
  for (const { origin, fields } of rows) {
    const found: string[] = [];
    const userId = textField(fields, 'userId', found, { required: true, max: 255 });
    if (userId !== undefined && !MatrixUserId.safeParse(userId).success) found.push(`账号 ${userId} 不是 Matrix 账号（应为 @用户名:服务器）`);
    const displayName = textField(fields, 'displayName', found, { required: true });
    const className = textField(fields, 'class', found, { required: true });
    const userClass = className === undefined ? undefined : CLASS_NAMES[className];
    if (className !== undefined && !userClass) found.push(`类别 ${className} 应为 公务员、企业联络员 或 群众`);
    let person: Person | undefined;
    if (userClass === 'civil_servant') {
      const unit = unitId(fields, 'unitId', found, true);
      if (unit !== undefined && found.length === 0 && !unitIds.has(unit)) found.push(`所属单位编码 ${unit} 不存在`);
      const title = textField(fields, 'title', found, { required: false });
      if (userId && displayName && unit) person = { userId, displayName, class: userClass, unitId: unit, ...(title === undefined ? {} : { title }) };
    } else if (userClass === 'enterprise_liaison') {
      const name = textField(fields, 'enterpriseName', found, { required: true });
      const code = uscc(fields, 'enterpriseUscc', found, true);
      if (userId && displayName && name && code) person = { userId, displayName, class: userClass, enterprise: { name, uscc: code } };
    } else if (userClass === 'citizen' && userId && displayName) {
      person = { userId, displayName, class: userClass };
    }
    for (const message of found) problems.push({ ...origin, message });
    if (found.length === 0 && person) checked.push({ origin, value: person });
  }
  const byId = new Map<string, Checked<Person>>();
  for (const row of checked) {
    const first = byId.get(row.value.userId);
    if (first) problems.push({ ...row.origin, message: `账号 ${row.value.userId} 重复（第一次出现在 ${first.origin.file} 第 ${first.origin.line} 行）` });
    else byId.set(row.value.userId, row);
  }
  return [...byId.values()].map(({ origin, value }) => ({ origin, person: value }));
}
