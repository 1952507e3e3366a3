import { z } from 'zod';
import { RpcErrorBody } from '@govdesk/shared';

/**
 * The messages between Electron main and the core process (a utilityProcess
 * running core-host.ts). Both ends validate every message they receive with
 * these schemas: a bug or a compromised process on one side must not become
 * undefined behaviour on the other.
 *
 *   main → core:  start, request, secret-reply, stop
 *   core → main:  started | start-failed, response, event, shell-event, secret (get/set/delete), stopped
 *
 * safeStorage exists only in main, so core asks main for its secrets.
 */

const Id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Name = z.string().min(1).max(100);
const Text = z.string().max(10_000);

/** Names of secrets: a token's purpose, e.g. `matrix.access_token`. */
export const SecretName = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/);
/** Tokens are short; a megabyte is a bug, not a token. */
const SecretValue = z.string().max(1024 * 1024);

export const CoreStartOptions = z
  .object({
    dataDir: z.string().min(1).max(4096),
    /** The cache key as hex: survives any serialisation unchanged, unlike a typed array. */
    databaseKeyHex: z.string().regex(/^[0-9a-f]{64}$/),
    deviceName: z.string().min(1).max(200).optional(),
    defaultHomeserverUrl: z.string().max(2048).nullable(),
    syncServerUrl: z.string().max(2048).nullable(),
    /** Whether core keeps its secrets in main (safeStorage) rather than in its encrypted store. */
    secretsInShell: z.boolean(),
  })
  .strict();
export type CoreStartOptions = z.infer<typeof CoreStartOptions>;

export const Answer = z.union([z.object({ ok: z.literal(true), result: z.unknown() }).strict(), z.object({ ok: z.literal(false), error: RpcErrorBody }).strict()]);

export const MainToCore = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('start'), options: CoreStartOptions }).strict(),
  z.object({ kind: z.literal('request'), id: Id, method: Name, params: z.unknown(), origin: z.string().max(200) }).strict(),
  z.object({ kind: z.literal('secret-reply'), id: Id, ok: z.boolean(), value: SecretValue.nullable().optional(), message: Text.optional() }).strict(),
  z.object({ kind: z.literal('stop') }).strict(),
]);
export type MainToCore = z.infer<typeof MainToCore>;

export const CoreToMain = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started') }).strict(),
  z.object({ kind: z.literal('start-failed'), reason: z.enum(['wrong_key', 'error']), message: Text }).strict(),
  z.object({ kind: z.literal('response'), id: Id, answer: Answer }).strict(),
  z.object({ kind: z.literal('event'), event: Name, payload: z.unknown() }).strict(),
  z.object({ kind: z.literal('shell-event'), event: Name, payload: z.unknown() }).strict(),
  z.object({ kind: z.literal('secret'), id: Id, op: z.enum(['get', 'set', 'delete']), name: SecretName, value: SecretValue.optional() }).strict(),
  z.object({ kind: z.literal('stopped') }).strict(),
]);
export type CoreToMain = z.infer<typeof CoreToMain>;
