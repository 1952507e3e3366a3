import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Log } from './log.ts';
import { refusedAnswer, senderRefusal, type SenderFacts } from './sender-check.ts';

/**
 * The only place main registers IPC handlers (desktop/test/unit/
 * electron-security.test.ts fails when ipcMain is used anywhere else): every
 * handler runs behind the sender check of sender-check.ts, as VS Code's
 * validatedIpcMain does, and a refused call gets an error value, not an
 * exception (contextBridge would strip its details).
 */

function senderFacts(event: IpcMainInvokeEvent, isOurWindow: (contents: WebContents) => boolean): SenderFacts {
  let frame: SenderFacts['frame'] = null;
  try {
    const sender = event.senderFrame;
    const main = event.sender.mainFrame;
    if (sender) frame = { url: sender.url, isMainFrame: sender.parent === null && event.processId === main.processId && event.frameId === main.routingId };
  } catch {
    // The frame went away while the message was in flight.
    frame = null;
  }
  return { fromOurWindow: isOurWindow(event.sender), frame };
}

export function handleFromApp(channel: string, isOurWindow: (contents: WebContents) => boolean, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown, log: Log): void {
  ipcMain.handle(channel, (event, ...args: unknown[]) => {
    const refusal = senderRefusal(senderFacts(event, isOurWindow));
    if (refusal !== null) {
      log('IPC call refused', { channel, reason: refusal, webContents: event.sender.id });
      return refusedAnswer(refusal);
    }
    return handler(event, ...args);
  });
}
