import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeepLinkRoute, DocumentId, documentRoutes, homeRoutes, linkableRoutes, route } from '@govdesk/shared';

const id = 'd_0123456789abcdefghijAB';

describe('in-app routes', () => {
  it('format a path and parse it back to the same parameters', () => {
    const path = documentRoutes.document.href({ documentId: id });
    expect(path).toBe(`/documents/${id}`);
    expect(documentRoutes.document.match(path)).toEqual({ documentId: id });
    expect(documentRoutes.list.match(documentRoutes.list.href({}))).toEqual({});
    expect(homeRoutes.home.href({})).toBe('/home');

    const nested = route('/units/:unitId/members/:userId', { unitId: z.string().regex(/^u_\w+$/), userId: z.string().min(1) });
    const href = nested.href({ unitId: 'u_42', userId: 'lina' });
    expect(href).toBe('/units/u_42/members/lina');
    expect(nested.match(href)).toEqual({ unitId: 'u_42', userId: 'lina' });
  });

  it('match nothing but their own paths', () => {
    for (const path of [
      '/documents/',
      '/documents/d_short',
      `/documents/${id}/extra`,
      `/documents/${id}?x=1`,
      `documents/${id}`,
      `//documents/${id}`,
      '/documents/..%2F..%2Fetc',
      // Never percent-decoded: one value, one spelling.
      '/documents/%64_0123456789abcdefghijAB',
      '/Documents',
      '',
      `/documents/${'d'.repeat(600)}`,
    ]) {
      expect(documentRoutes.document.match(path), path).toBeNull();
      expect(documentRoutes.list.match(path), path).toBeNull();
    }
    expect(documentRoutes.list.match(`/documents/${id}`)).toBeNull();
    expect(documentRoutes.document.match('/documents')).toBeNull();
  });

  it('refuse to format a path their own match would refuse (a bug in the caller)', () => {
    expect(() => documentRoutes.document.href({ documentId: 'd_short' })).toThrow(/not a valid :documentId/);
    expect(() => route('/notes/:name', { name: z.string() }).href({ name: 'a/b' })).toThrow();
  });

  it('are declared with a schema for every parameter and plain segments', () => {
    expect(() => (route as (pattern: string) => unknown)('/documents/:documentId')).toThrow(/no schema/);
    expect(() => route('/documents/../etc')).toThrow(/not a path segment/);
    expect(() => route('/a b')).toThrow(/not a path segment/);
    expect(() => route('/documents/:documentId', { documentId: DocumentId })).not.toThrow();
  });
});

describe('DeepLinkRoute (what main lets reach the renderer)', () => {
  it('accepts exactly the paths of the linkable routes', () => {
    expect(DeepLinkRoute.safeParse('/home').success).toBe(true);
    expect(DeepLinkRoute.safeParse('/documents').success).toBe(true);
    expect(DeepLinkRoute.safeParse(`/documents/${id}`).success).toBe(true);
    for (const path of ['/settings', '/documents/d_short', `/documents/${id}/extra`, '/home/', 'home', 'https://evil.example/']) {
      expect(DeepLinkRoute.safeParse(path).success, path).toBe(false);
    }
  });

  it('covers every route declared as linkable', () => {
    expect(linkableRoutes.map((candidate) => candidate.pattern)).toEqual(['/home', '/documents', '/documents/:documentId', '/messages', '/messages/:room', '/messages/:room/:event']);
  });
});
