import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildDesktop, compactionWorkerBundle } from '../../../build/lib/desktop-build.ts';
import { openLocalStore } from '../../src/core/store/local-store.ts';

/**
 * The Electron core process runs from esbuild bundles, not from source: what
 * works from source must also work from what the app ships.
 */
describe('the bundled core', () => {
  beforeAll(async () => {
    await buildDesktop();
  }, 120_000);

  it("compacts a document's log with the bundled worker, on the encrypted cache", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-bundle-'));
    const key = new Uint8Array(randomBytes(32));
    const store = openLocalStore(dir, key, compactionWorkerBundle);
    const doc = new Y.Doc();
    let seq = 0;
    doc.on('update', (update: Uint8Array) => {
      seq = store.documentLog.append('d_bundlebundlebundlebund', update, 'local');
    });
    for (let i = 0; i < 600; i++) doc.getText('t').insert(i, '文');
    expect(await store.compactor.compact('d_bundlebundlebundlebund', seq)).toBe(600);
    const loaded = store.documentLog.load('d_bundlebundlebundlebund');
    expect(loaded.updates).toHaveLength(0);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, loaded.snapshot!);
    expect(reloaded.getText('t').toString()).toBe('文'.repeat(600));
    store.close();
  });
});
