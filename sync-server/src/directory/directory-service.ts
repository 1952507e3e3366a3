import { readFileSync } from 'node:fs';
import path from 'node:path';
import { maySearchDirectory, userIdLocalpart, type Directory, type DirectorySearchResult, type Person, type Unit } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { DirectoryRepository } from '../storage/types.ts';
import { formatProblem, readImportFiles } from './import-files.ts';

export class DirectoryImportError extends Error {}

/**
 * The organisation directory, the authority on who is a civil servant, an
 * enterprise liaison or a citizen. Held in memory (it is small and read on
 * every access check) and kept in storage.
 */
export class DirectoryService {
  #units = new Map<string, Unit>();
  #people = new Map<string, Person>();
  readonly #repository: DirectoryRepository;

  private constructor(repository: DirectoryRepository) {
    this.#repository = repository;
  }

  static async open(repository: DirectoryRepository, importFile?: string): Promise<DirectoryService> {
    await repository.open();
    if (importFile) await repository.replace(readDirectoryFile(importFile));
    const service = new DirectoryService(repository);
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

  /** People and units by name, pinyin initials or unit name, for a viewer who may search (maySearchDirectory). */
  async search(viewer: string, query: string, limit: number): Promise<DirectorySearchResult> {
    if (!maySearchDirectory(this.person(viewer).class)) throw new DomainError('not_allowed', 'only civil servants search the directory');
    return this.#repository.search(query, limit);
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

/** The directory file of the configuration (`directoryFile`), read as `npm run directory:import` reads its files. */
export function readDirectoryFile(file: string): Directory {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DirectoryImportError(`the directory file ${file} cannot be read: ${(error as Error).message}`);
  }
  const outcome = readImportFiles([{ name: path.basename(file), bytes }]);
  if (!outcome.ok) throw new DirectoryImportError(`the directory file ${file} is invalid:\n${outcome.problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`);
  return outcome.directory;
}
