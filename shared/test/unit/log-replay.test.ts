import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeSnapshotAndLog } from '@govdesk/shared/documents/log-replay';

describe('mergeSnapshotAndLog', () => {
  const written = () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    const text = doc.getText('content');
    text.insert(0, '关于做好防汛工作的通知');
    const snapshot = Y.encodeStateAsUpdate(doc);
    updates.length = 0;
    text.insert(text.length, '（草稿）');
    text.delete(0, 2);
    doc.getMap('meta').set('docNumber', '粤府办〔2026〕12号');
    return { doc, snapshot, updates };
  };

  it('holds the snapshot and every logged update after it', () => {
    const { doc, snapshot, updates } = written();
    const merged = new Y.Doc();
    Y.applyUpdate(merged, mergeSnapshotAndLog(snapshot, updates));
    expect(merged.getText('content').toString()).toBe('做好防汛工作的通知（草稿）');
    expect(merged.getMap('meta').get('docNumber')).toBe('粤府办〔2026〕12号');
    expect(Y.equalSnapshots(Y.snapshot(merged), Y.snapshot(doc))).toBe(true);
  });

  it('replays the log alone when there is no snapshot yet', () => {
    const { doc, snapshot, updates } = written();
    const merged = new Y.Doc();
    Y.applyUpdate(merged, mergeSnapshotAndLog(undefined, [snapshot, ...updates]));
    expect(Y.equalSnapshots(Y.snapshot(merged), Y.snapshot(doc))).toBe(true);
  });

  it('keeps no deleted text, where merging the updates as they are would', () => {
    const { snapshot, updates } = written();
    const text = (update: Uint8Array) => Buffer.from(update).toString('utf8');
    expect(text(Y.mergeUpdates([snapshot, ...updates]))).toContain('关于');
    expect(text(mergeSnapshotAndLog(snapshot, updates))).not.toContain('关于');
  });
});
