import { Notification } from 'electron';
import { DeepLinkRoute, type ShellPayload } from '@govdesk/shared';

/**
 * Native notifications for core's `shell.notify` events. A click brings the
 * window up and, when the notification names a valid route, asks the
 * renderer to show it (the same DeepLinkRoute check as govdesk:// links).
 */
export class Notifier {
  // Electron drops the click handler of a notification that was garbage-collected; keep each until it is done.
  readonly #shown = new Set<Notification>();

  show(payload: ShellPayload<'shell.notify'>, onClick: (route: string | null) => void): void {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: payload.title, body: payload.body });
    const route = payload.route !== undefined && DeepLinkRoute.safeParse(payload.route).success ? payload.route : null;
    this.#shown.add(notification);
    const done = () => this.#shown.delete(notification);
    notification.on('click', () => {
      done();
      onClick(route);
    });
    notification.on('close', done);
    notification.on('failed', done);
    notification.show();
  }
}
