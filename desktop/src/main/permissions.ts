import type { Session } from 'electron';
import type { Log } from './log.ts';

/**
 * Electron grants every permission a page asks for unless told otherwise
 * (security checklist item 5). GovDesk's renderer needs none: notifications
 * are native (main shows them for core), and camera, microphone, location,
 * clipboard reading, HID, serial and USB have no use in it yet. So every
 * request and every check is denied; a feature that needs one must allow it
 * here, by name, for app://govdesk/ only.
 */
export function denyAllPermissions(session: Session, log: Log): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log('permission request denied', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
