import type { ReactNode } from 'react';
import type { AppPath, AppRoute, RouteParams, SessionInfo } from '@govdesk/shared';
import type { Messages } from '../i18n/i18n.tsx';

/**
 * The renderer's features plug in here. A feature module
 * (`<feature>/feature.tsx`) declares its pages (a typed route each), its
 * sidebar entry with an optional badge, and its text; `features.ts` lists
 * the modules, one line each, and the Workspace shows whatever the registry
 * holds. Routes are values from shared (`route()`), so one declaration
 * serves parsing, formatting and — for the routes in `linkableRoutes` —
 * Electron main's check of govdesk:// links.
 */

interface PageProps<P extends string> {
  params: RouteParams<P>;
  session: SessionInfo;
  navigate(path: AppPath): void;
}

export interface Page {
  readonly route: AppRoute;
  /** `full`: the page fills the content area and scrolls itself (an editor); `padded` (default): a card-like page. */
  readonly layout: 'padded' | 'full';
  /**
   * What a move to another path does. `path` (default): the page is mounted afresh, since another document is another
   * page, not the same page with new props. `feature`: moving between the feature's pages re-renders the one that is
   * there with the new parameters (messages: opening another room keeps the room list as it is, scrolled where it was,
   * instead of rebuilding it and its thousand rows).
   */
  readonly remountOn: 'path' | 'feature';
  render(props: PageProps<string>): ReactNode;
}

/** A page of `route`; its renderer gets exactly that route's parameters. */
export function page<P extends string>(
  route: AppRoute<P>,
  render: (props: PageProps<P>) => ReactNode,
  options: { layout?: Page['layout']; remountOn?: Page['remountOn'] } = {},
): Page {
  // Sound: the registry only ever renders a page with what its own route matched.
  return { route, layout: options.layout ?? 'padded', remountOn: options.remountOn ?? 'path', render: render as unknown as Page['render'] };
}

export interface MenuEntry<K extends string> {
  icon: ReactNode;
  /** A key of the feature's messages. */
  label: K;
  /** Where the entry leads. */
  to: AppPath;
  /** A count beside the label (unread, waiting for me…); 0 shows none. A hook, so it may follow core's events. */
  useBadge?: () => number;
}

export interface Feature<K extends string = string> {
  /** Unique; also the sidebar entry's key. */
  readonly id: string;
  readonly messages: Messages<K>;
  readonly pages: readonly Page[];
  /** The feature's sidebar entry, selected while one of its pages is shown. */
  readonly menu?: MenuEntry<K>;
}

/** Checks that the menu label is a key of the feature's own messages. */
export function defineFeature<K extends string>(feature: Feature<K>): Feature {
  return feature as unknown as Feature;
}

type Resolved = { found: true; feature: Feature; page: Page; params: RouteParams<string> } | { found: false };

/** The React key of a shown page: a new key mounts the page afresh, the same one re-renders it (Page.remountOn). */
export function pageKey(shown: Resolved & { found: true }, path: string): string {
  return shown.page.remountOn === 'feature' ? `feature:${shown.feature.id}` : `path:${path}`;
}

export interface Registry {
  readonly features: readonly Feature[];
  /** The features with a sidebar entry, in registration order. */
  readonly menu: readonly (Feature & { menu: MenuEntry<string> })[];
  /** Where the app starts: the first sidebar entry. */
  readonly start: AppPath;
  /** The page a path shows, or not found (an unknown path is shown as such, never guessed). */
  resolve(path: string): Resolved;
}

export function createRegistry(features: readonly Feature[]): Registry {
  const ids = new Set<string>();
  const patterns = new Set<string>();
  for (const feature of features) {
    if (ids.has(feature.id)) throw new Error(`two features are called ${feature.id}`);
    ids.add(feature.id);
    for (const { route } of feature.pages) {
      if (patterns.has(route.pattern)) throw new Error(`two pages claim ${route.pattern}`);
      patterns.add(route.pattern);
    }
  }
  const menu = features.filter((feature): feature is Feature & { menu: MenuEntry<string> } => feature.menu !== undefined);
  const first = menu[0];
  if (!first) throw new Error('no feature has a sidebar entry to start from');
  return {
    features,
    menu,
    start: first.menu.to,
    resolve(path) {
      for (const feature of features) {
        for (const candidate of feature.pages) {
          const params = candidate.route.match(path);
          if (params) return { found: true, feature, page: candidate, params };
        }
      }
      return { found: false };
    },
  };
}
