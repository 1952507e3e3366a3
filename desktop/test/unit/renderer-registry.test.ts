import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { App as AntApp } from 'antd';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiClient, DeepLinkRoute, desktopContract, eventKey, linkableRoutes, messageRoutes, roomKey, route, type EventId, type GovdeskBridge, type Language, type RoomId } from '@govdesk/shared';
import { createRegistry, defineFeature, page, pageKey, type Feature } from '../../src/renderer/app/registry.ts';
import { CoreProvider } from '../../src/renderer/data/core.tsx';
import { features } from '../../src/renderer/features.ts';
import { defineMessages, I18nProvider } from '../../src/renderer/i18n/i18n.tsx';
import { Workspace } from '../../src/renderer/workspace/Workspace.tsx';

/**
 * The renderer's feature registry: what the sidebar and the pages are made
 * of. A fixture feature, declared in this file alone, shows that a feature
 * plugs in with its page, its sidebar entry and its badge and touches nothing
 * else. The Workspace is rendered to HTML with react-dom/server (no browser,
 * no core: server rendering runs no effects, so nothing is ever called).
 */

const id = 'd_0123456789abcdefghijAB';
const registry = createRegistry(features);

/** A feature the app does not have: notes, with a list, a page per note, and a badge of unread notes. */
const noteRoutes = { list: route('/notes'), note: route('/notes/:noteId', { noteId: z.string().regex(/^n_\d+$/) }) };
const noteMessages = defineMessages({ menu: '便签', heading: '便签 {noteId}', empty: '没有便签' }, { menu: 'Notes', heading: 'Note {noteId}', empty: 'No notes' });
const notesFeature = defineFeature({
  id: 'notes',
  messages: noteMessages,
  menu: { icon: createElement('span', null, '✎'), label: 'menu', to: noteRoutes.list.href({}), useBadge: () => 7 },
  pages: [page(noteRoutes.list, () => createElement('p', null, 'notes list')), page(noteRoutes.note, ({ params }) => createElement('h1', { 'data-testid': 'note' }, `note ${params.noteId}`))],
});

const noCore: GovdeskBridge = {
  invoke: async () => ({ ok: false, error: { code: 'core_unavailable', message: 'no core in this test' } }),
  on: () => () => {},
};
const session = { userId: '@zhangwei:gd.gov.cn', displayName: '张伟', deviceId: 'DEVICE', homeserverUrl: 'https://matrix.gd.gov.cn' };

function renderWorkspace(withFeatures: readonly Feature[], path: string, language: Language = 'zh-CN'): string {
  const workspace = createElement(Workspace, { registry: createRegistry(withFeatures), session, path, navigate: () => {} });
  const i18n = createElement(I18nProvider, { language, setLanguage: () => {}, children: createElement(AntApp, null, workspace) });
  return renderToString(createElement(CoreProvider, { api: createApiClient(desktopContract, noCore), children: i18n }));
}

describe('the feature registry', () => {
  it("resolves each path to its feature's page with typed parameters, and anything else to not found", () => {
    expect(registry.resolve('/home')).toMatchObject({ found: true, feature: { id: 'home' }, params: {} });
    expect(registry.resolve('/documents')).toMatchObject({ found: true, feature: { id: 'documents' }, params: {} });
    expect(registry.resolve(`/documents/${id}`)).toMatchObject({ found: true, feature: { id: 'documents' }, params: { documentId: id } });
    for (const path of ['/', '/settings', '/documents/d_short', `/documents/${id}/extra`, '/home/', 'home', '']) {
      expect(registry.resolve(path), path).toEqual({ found: false });
    }
  });

  it('keeps the messages page across rooms, and mounts another document afresh', () => {
    const keyOf = (path: string) => {
      const shown = registry.resolve(path);
      if (!shown.found) throw new Error(`${path} is not a page`);
      return pageKey(shown, path);
    };
    const room = (id: string) => messageRoutes.room.href({ room: roomKey(`!${id}:gd.gov.cn` as RoomId) });
    // Opening another room, or a message in one, re-renders the page: the room list stays as it is.
    const paths = [messageRoutes.list.href({}), room('a'), room('b'), messageRoutes.event.href({ room: roomKey('!a:gd.gov.cn' as RoomId), event: eventKey('$e1' as EventId) })];
    expect(new Set(paths.map(keyOf)).size).toBe(1);
    // Another document is another page.
    expect(keyOf(`/documents/${id}`)).not.toBe(keyOf(`/documents/${'d_' + 'b'.repeat(22)}`));
    expect(keyOf('/documents')).not.toBe(keyOf(`/documents/${id}`));
  });

  it('derives the sidebar from the features, in registration order, and starts at the first entry', () => {
    expect(registry.menu.map((feature) => feature.id)).toEqual(features.filter((feature) => feature.menu).map((feature) => feature.id));
    // 消息 first (where the app opens), then 通讯录, 工作台 and 公文; features added later come after them.
    expect(registry.menu.slice(0, 4).map((feature) => feature.id)).toEqual(['messages', 'directory', 'home', 'documents']);
    expect(registry.start).toBe('/messages');
  });

  it('serves every path main lets in from outside (govdesk:// links, notifications), and only those are linkable', () => {
    for (const linkable of linkableRoutes) expect(features.some((feature) => feature.pages.some((candidate) => candidate.route === linkable)), linkable.pattern).toBe(true);
    for (const path of ['/home', '/documents', `/documents/${id}`, '/settings', '/documents/d_short', `/documents/${id}/x`]) {
      expect(registry.resolve(path).found, path).toBe(DeepLinkRoute.safeParse(path).success);
    }
  });

  it('refuses two features with one name, or two pages with one route', () => {
    expect(() => createRegistry([...features, { ...notesFeature, id: 'documents' }])).toThrow(/two features are called documents/);
    const again = defineFeature({ id: 'notes-again', messages: noteMessages, pages: [page(noteRoutes.list, () => null)] });
    expect(() => createRegistry([notesFeature, again])).toThrow(/two pages claim \/notes/);
  });

  it('takes a new feature with its page, sidebar entry and badge from the registration alone', () => {
    const withNotes = [...features, notesFeature];
    expect(createRegistry(withNotes).resolve('/notes/n_7')).toMatchObject({ found: true, feature: { id: 'notes' }, params: { noteId: 'n_7' } });

    const html = renderWorkspace(withNotes, '/notes/n_7');
    expect(html).toContain('note n_7');
    expect(html).toMatch(/<li[^>]*ant-menu-item-selected[^>]*>(?:(?!<\/li>).)*便签/);
    expect(html).toMatch(/data-testid="menu-badge-notes"(?:(?!<\/li>).)*title="7"/);
    // The other features are still there, unselected.
    expect(html).toContain('工作台');
    expect(html).toContain('公文');
    expect(renderWorkspace(withNotes, '/notes/n_7', 'en')).toContain('Notes');

    // Without the registration line, the path is just not found.
    const without = renderWorkspace(features, '/notes/n_7');
    expect(without).not.toContain('便签');
    expect(without).toContain('页面不存在');
  });
});
