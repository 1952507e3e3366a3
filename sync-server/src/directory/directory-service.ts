import { readFileSync } from 'node:fs';
import { Directory, userIdLocalpart, type Person, type Unit } from '@govdesk/shared';
import type { DirectoryRepository } from '../storage/types.ts';

export class DirectoryImportError extends Error {}

/**
 * The organisation directory, the authority on who is a civil servant, an
 * enterprise liaison or a citizen. Held in memory (it is small and read on
 * every access check) and kept in storage.
 */
export class DirectoryService {
  #units = new Map<string, Unit>();
  #people = new Map<string, Person>();

  static async open(repository: DirectoryRepository, importFile?: string): Promise<DirectoryService> {
    if (importFile) await repository.replace(readDirectoryFile(importFile));
    const service = new DirectoryService();
    const { units, people } = await repository.load();
    service.#units = new Map(units.map((unit) => [unit.id, unit]));
    service.#people = new Map(people.map((person) => [person.userId, person]));
    return service;
  }

  /**
   * The directory's record of a user. A Matrix user the directory does not
   * know is treated as a citizen: the least trusted class, who can never be
   * given internal material.
   */
  person(userId: string): Person {
    return this.#people.get(userId) ?? { userId, displayName: userIdLocalpart(userId), class: 'citizen' };
  }

  unit(id: string): Unit | null {
    return this.#units.get(id) ?? null;
  }

  /** The unit and every unit above it, nearest first. */
  unitChain(unitId: string): Unit[] {
    const chain: Unit[] = [];
    for (let unit = this.#units.get(unitId); unit && !chain.includes(unit); unit = unit.parentId ? this.#units.get(unit.parentId) : undefined) chain.push(unit);
    return chain;
  }

  /** The units whose grants reach this user: their own unit and its ancestors. */
  unitIdsOf(userId: string): Set<string> {
    const person = this.person(userId);
    return new Set(person.class === 'civil_servant' ? this.unitChain(person.unitId).map((unit) => unit.id) : []);
  }
}

export function readDirectoryFile(file: string): Directory {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DirectoryImportError(`the directory file ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  const parsed = Directory.safeParse(raw);
  if (!parsed.success) {
    throw new DirectoryImportError(`the directory file ${file} is invalid:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
  }
  return parsed.data;
}
