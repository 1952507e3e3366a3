import type { RunningHomeserver } from '../../build/homeserver/index.ts';
import type { CoreDocProvider } from '../../desktop/src/renderer/documents/core-provider.ts';
import { loginCore, openDocument, savedAndOnline, startCore, waitForStatus, type TestCore } from './desktop-core.ts';
import type { TestOrganisation } from './organisation.ts';
import { UNITS } from './organisation.ts';
import { login, type SyncServerProcess } from './sync-server.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { SeededRandom } from './seeded-random.ts';
import { stockClient } from './yjs-clients.ts';

/**
 * The randomized offline/online scenario: two desktop cores (two users) edit
 * one document while their network comes and goes and their apps restart, in
 * an order a seeded generator picks. In the end both must hold the same text,
 * report 已保存到服务器, and the server must hold that text too.
 */


const SAMPLE = '关于做好防汛工作的通知请各单位高度重视切实落实责任确保安全度汛';

interface Side {
  name: 'A' | 'B';
  core: TestCore;
  proxy: TcpProxy;
  doc: CoreDocProvider | null;
}

export interface ConvergenceResult {
  seed: number;
  steps: number;
  restarts: number;
  cuts: number;
  finalText: string;
  ms: number;
}

export interface ConvergenceRig {
  run(seed: number, steps?: number): Promise<ConvergenceResult>;
  close(): Promise<void>;
}

export async function convergenceRig(homeserver: RunningHomeserver, server: SyncServerProcess, org: TestOrganisation): Promise<ConvergenceRig> {
  const sides: Side[] = [];
  for (const [name, user] of [['A', org.zhang], ['B', org.li]] as const) {
    const proxy = await TcpProxy.start(server.url);
    const core = await startCore({ homeserver, proxy });
    await loginCore(core, homeserver, user);
    sides.push({ name, core, proxy, doc: null });
  }
  const [a, b] = sides as [Side, Side];
  const checker = await login(server, homeserver, org.zhang);

  async function serverText(documentId: string): Promise<string> {
    const client = stockClient(server.wsUrl, documentId, checker.accessToken);
    await client.synced;
    const text = client.doc.getText('t').toString();
    client.destroy();
    return text;
  }

  return {
    async run(seed, steps = 12) {
      const started = performance.now();
      const random = new SeededRandom(seed);
      const document = await a.core.api.call('documents.create', { title: `收敛测试 ${seed}`, docType: 'notice', owningUnitId: UNITS.secretariat, classification: 'internal' });
      await a.core.api.call('documents.share', { documentId: document.id, share: { principal: { type: 'user', userId: org.li.userId }, role: 'editor' } });
      for (const side of sides) side.doc = await openDocument(side.core, document.id);
      let restarts = 0;
      let cuts = 0;
      for (let step = 0; step < steps; step++) {
        const side = random.pick(sides);
        const action = random.pick(['edit', 'edit', 'edit', 'network', 'restart', 'pause'] as const);
        const text = side.doc!.doc.getText('t');
        if (action === 'edit') {
          if (text.length > 0 && random.chance(0.35)) {
            const at = random.int(0, text.length - 1);
            text.delete(at, Math.min(text.length - at, random.int(1, 3)));
          } else {
            const start = random.int(0, SAMPLE.length - 5);
            text.insert(random.int(0, text.length), SAMPLE.slice(start, start + random.int(1, 4)));
          }
        } else if (action === 'network') {
          if (side.proxy.isCut) {
            side.proxy.restore();
            await side.core.api.call('app.reconnect');
          } else {
            side.proxy.cut();
            cuts += 1;
          }
        } else if (action === 'restart') {
          await side.doc!.close();
          side.core = await side.core.restart();
          side.doc = await openDocument(side.core, document.id);
          restarts += 1;
        } else {
          await new Promise((resolve) => setTimeout(resolve, random.int(0, 29)));
        }
      }
      for (const side of sides) {
        side.proxy.restore();
        // What the renderer does on the browser's "online" event.
        await side.core.api.call('app.reconnect');
      }
      await Promise.all(sides.map((side) => waitForStatus(side.doc!, savedAndOnline, 30_000)));
      // Both saved means the server holds both sides' changes; the other side may still be applying the last echo.
      const deadline = Date.now() + 10_000;
      while (a.doc!.doc.getText('t').toString() !== b.doc!.doc.getText('t').toString()) {
        if (Date.now() > deadline) throw new Error(`seed ${seed}: A "${a.doc!.doc.getText('t')}" and B "${b.doc!.doc.getText('t')}" did not converge`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const finalText = a.doc!.doc.getText('t').toString();
      const stored = await serverText(document.id);
      if (stored !== finalText) throw new Error(`seed ${seed}: the clients converged on "${finalText}" but the server holds "${stored}"`);
      for (const side of sides) await side.doc!.close();
      return { seed, steps, restarts, cuts, finalText, ms: performance.now() - started };
    },
    async close() {
      for (const side of sides) {
        await side.core.close();
        await side.proxy.close();
      }
    },
  };
}
