import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

const loaders: (() => Promise<unknown>)[] = [];

/**
 * A page whose code is a chunk of its own, for pages that are not the first
 * a user sees (the document editor, the login form of a signed-in user): at
 * every start the page parses its scripts before anything runs (in
 * Chromium, on a background thread), so what is not in the first script is
 * time saved before the first screen. `preloadPages` loads the chunks once
 * the shell is up, so that opening such a page later waits for nothing.
 * Render it inside a Suspense boundary.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): LazyExoticComponent<ComponentType<P>> {
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const start = () => {
    loading ??= load().then(
      (component) => ({ default: component }),
      (error: unknown) => {
        // Not cached: the next render (or preload) tries again.
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  loaders.push(start);
  return lazy(start);
}

/**
 * Loads every lazy page, one at a time and each when the renderer is idle:
 * called once the shell has painted, it must not slow down what the user
 * does first (a page opened meanwhile loads at once, on its own).
 */
export async function preloadPages(): Promise<void> {
  for (const load of loaders) {
    await new Promise((resolve) => requestIdleCallback(resolve, { timeout: 2000 }));
    await load().catch((error: unknown) => console.warn('GovDesk: a page could not be preloaded', error));
  }
}
