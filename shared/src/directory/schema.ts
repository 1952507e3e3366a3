import { z } from 'zod';
import { MatrixUserId } from './ids.ts';
import { usccProblem, USCC_PROBLEM_MESSAGES } from './uscc.ts';

/**
 * The organisation directory: units (机关、处室) and the people who use GovDesk.
 * The sync-server is its authority; which class a user belongs to decides what
 * they may ever be given (internal material never reaches external users).
 */

export const Uscc = z.string().superRefine((code, ctx) => {
  const problem = usccProblem(code);
  if (problem) ctx.addIssue({ code: 'custom', message: USCC_PROBLEM_MESSAGES[problem]['zh-CN'], params: { problem } });
});

export const UnitId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'unit IDs are lower-case letters, digits and hyphens');
export type UnitId = z.infer<typeof UnitId>;

const Name = z.string().trim().min(1).max(100);

export const Unit = z.object({
  id: UnitId,
  name: Name,
  /** null for a top-level organ (机关); otherwise the unit it belongs to. */
  parentId: UnitId.nullable(),
  /** The organ's own 统一社会信用代码; departments inside it have none. */
  uscc: Uscc.optional(),
});
export type Unit = z.infer<typeof Unit>;

/** The three ends of GovDesk. Only civil servants are internal. */
export const UserClass = z.enum(['civil_servant', 'enterprise_liaison', 'citizen']);
export type UserClass = z.infer<typeof UserClass>;

export const INTERNAL_USER_CLASSES: ReadonlySet<UserClass> = new Set(['civil_servant']);

export function isInternalUserClass(userClass: UserClass): boolean {
  return INTERNAL_USER_CLASSES.has(userClass);
}

/**
 * Who may search the whole directory: civil servants. External accounts will
 * see only whom they may contact (departments' service desks, the staff of
 * their rooms; docs/three-ends.md), never the internal tree.
 */
export function maySearchDirectory(viewer: UserClass): boolean {
  return isInternalUserClass(viewer);
}

const PersonBase = z.object({
  userId: MatrixUserId,
  displayName: Name,
});

export const CivilServant = PersonBase.extend({
  class: z.literal('civil_servant'),
  unitId: UnitId,
  /** 职务, e.g. 处长、科员. */
  title: Name.optional(),
});

export const EnterpriseLiaison = PersonBase.extend({
  class: z.literal('enterprise_liaison'),
  enterprise: z.object({ name: Name, uscc: Uscc }),
});

export const Citizen = PersonBase.extend({
  class: z.literal('citizen'),
});

export const Person = z.discriminatedUnion('class', [CivilServant, EnterpriseLiaison, Citizen]);
export type Person = z.infer<typeof Person>;

export const Directory = z
  .object({
    units: z.array(Unit),
    people: z.array(Person),
  })
  .superRefine((directory, ctx) => {
    const unitIds = new Set<string>();
    directory.units.forEach((unit, index) => {
      if (unitIds.has(unit.id)) ctx.addIssue({ code: 'custom', path: ['units', index, 'id'], message: `duplicate unit ${unit.id}` });
      unitIds.add(unit.id);
    });
    const parentOf = new Map<string, string | null>(directory.units.map((unit) => [unit.id, unit.parentId]));
    directory.units.forEach((unit, index) => {
      if (unit.parentId !== null && !unitIds.has(unit.parentId)) {
        ctx.addIssue({ code: 'custom', path: ['units', index, 'parentId'], message: `unknown parent unit ${unit.parentId}` });
        return;
      }
      const seen = new Set([unit.id]);
      for (let at: string | null | undefined = unit.parentId; at !== null && at !== undefined; at = parentOf.get(at)) {
        if (seen.has(at)) {
          ctx.addIssue({ code: 'custom', path: ['units', index, 'parentId'], message: `unit ${unit.id} is its own ancestor` });
          return;
        }
        seen.add(at);
      }
    });
    const userIds = new Set<string>();
    directory.people.forEach((person, index) => {
      if (userIds.has(person.userId)) ctx.addIssue({ code: 'custom', path: ['people', index, 'userId'], message: `duplicate person ${person.userId}` });
      userIds.add(person.userId);
      if (person.class === 'civil_servant' && !unitIds.has(person.unitId)) {
        ctx.addIssue({ code: 'custom', path: ['people', index, 'unitId'], message: `unknown unit ${person.unitId}` });
      }
    });
  });
export type Directory = z.infer<typeof Directory>;

/** A user as the directory describes them to themselves: their record and, for civil servants, their unit and the units above it. */
export const Me = z.object({ person: Person, units: z.array(Unit) });
export type Me = z.infer<typeof Me>;

/** What a directory search may carry: a query of 1–50 characters, at most 100 answers. */
export const DIRECTORY_QUERY_MAX = 50;
export const DIRECTORY_RESULTS_MAX = 100;

export const DirectorySearchRequest = z.object({
  query: z.string().trim().min(1).max(DIRECTORY_QUERY_MAX),
  limit: z.number().int().min(1).max(DIRECTORY_RESULTS_MAX).optional(),
});
export type DirectorySearchRequest = z.infer<typeof DirectorySearchRequest>;

/** One person a search found, with their unit as one readable name (广州市教育局办公室). */
export const DirectoryHit = z.object({
  userId: MatrixUserId,
  displayName: z.string(),
  class: UserClass,
  title: z.string().optional(),
  unit: z.object({ id: UnitId, name: z.string() }).nullable(),
});
export type DirectoryHit = z.infer<typeof DirectoryHit>;

/**
 * A search of the directory by name (any part of it), pinyin initials (`zw`
 * finds 张伟; every reading of a polyphonic character counts) or unit name:
 * people ranked exact name first, then names starting with the query, then
 * the rest; units whose name holds the query.
 */
export const DirectorySearchResult = z.object({
  people: z.array(DirectoryHit),
  units: z.array(z.object({ id: UnitId, name: z.string() })),
});
export type DirectorySearchResult = z.infer<typeof DirectorySearchResult>;
