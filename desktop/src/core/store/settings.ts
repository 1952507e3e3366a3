import type { z } from 'zod';
import type { CacheDatabase } from './database.ts';

/** Small JSON values, read back through a schema so a bad row can never become bad state. */
export class KeyValueTable {
  readonly #get;
  readonly #put;
  readonly #delete;

  constructor(db: CacheDatabase, table: 'settings' | 'secrets') {
    const key = table === 'settings' ? 'key' : 'name';
    this.#get = db.prepare<[string], { value: string }>(`SELECT value FROM ${table} WHERE ${key} = ?`);
    this.#put = db.prepare(`INSERT INTO ${table} (${key}, value) VALUES (?, ?) ON CONFLICT (${key}) DO UPDATE SET value = excluded.value`);
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`);
  }

  getRaw(name: string): string | null {
    return this.#get.get(name)?.value ?? null;
  }

  get<Schema extends z.ZodType>(name: string, schema: Schema): z.infer<Schema> | null {
    const raw = this.getRaw(name);
    if (raw === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : null;
  }

  setRaw(name: string, value: string): void {
    this.#put.run(name, value);
  }

  set(name: string, value: unknown): void {
    this.setRaw(name, JSON.stringify(value));
  }

  delete(name: string): void {
    this.#delete.run(name);
  }
}
