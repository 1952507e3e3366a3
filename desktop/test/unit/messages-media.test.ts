import { describe, expect, it } from 'vitest';
import { SyncState } from 'matrix-js-sdk';
import { CLASSIFIED_REFUSAL } from '@govdesk/shared';
import { connectionOf } from '../../src/core/messages/matrix-client.ts';
import { MatrixRequestError } from '../../src/core/messages/matrix-http.ts';
import { imageSize } from '../../src/core/messages/media.ts';
import { classifiedOutboxText, refusalText } from '../../src/core/messages/outbox-sender.ts';

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

describe('image sizes from headers', () => {
  it('reads PNG, GIF, JPEG and WebP', () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
    expect(imageSize(new Uint8Array(png))).toEqual({ width: 2, height: 2 });
    expect(imageSize(bytes('474946383961 2003 5802 000000'))).toEqual({ width: 800, height: 600 });
    // SOI, an APP0 segment of 16 bytes, then a baseline frame header: 8-bit, 480 high, 640 wide.
    const jpeg = bytes(`ffd8 ffe0 0010 ${'00'.repeat(14)} ffc0 0011 08 01e0 0280 03 ${'00'.repeat(12)}`);
    expect(imageSize(jpeg)).toEqual({ width: 640, height: 480 });
    const vp8x = bytes(`52494646 00000000 57454250 56503858 0a000000 00000000 1f0300 570200 0000`);
    expect(imageSize(vp8x)).toEqual({ width: 800, height: 600 });
  });

  it('says null for anything else', () => {
    expect(imageSize(new TextEncoder().encode('关于做好防汛工作的通知'))).toBeNull();
    expect(imageSize(new Uint8Array(0))).toBeNull();
  });
});

describe('the outbox on its way out', () => {
  it('finds a 密级 in a message, an edit or a file name', () => {
    expect(classifiedOutboxText({ content: { msgtype: 'm.text', body: '机密★1年\n报告' } })).toBe(true);
    expect(classifiedOutboxText({ content: { msgtype: 'm.text', body: '* 改', 'm.new_content': { msgtype: 'm.text', body: '秘密★ 改后' } } })).toBe(true);
    expect(classifiedOutboxText({ content: { msgtype: 'm.file', body: '名单', filename: '绝密★名单.xlsx' } })).toBe(true);
    expect(classifiedOutboxText({ content: { msgtype: 'm.text', body: '保守国家秘密是每个公民的义务' } })).toBe(false);
    expect(CLASSIFIED_REFUSAL['zh-CN']).toMatch(/涉密/);
  });

  it('words a refusal for the user', () => {
    expect(refusalText(new MatrixRequestError('refused', '403', { status: 403, errcode: 'M_FORBIDDEN' }))).toBe('没有在此会话中发言的权限');
    expect(refusalText(new MatrixRequestError('refused', '413', { status: 413 }))).toBe('消息过大，服务器拒收');
    expect(refusalText(new MatrixRequestError('refused', '400', { status: 400, errcode: 'M_BAD_JSON' }))).toBe('服务器拒绝了此消息（M_BAD_JSON）');
  });
});

describe('connection state', () => {
  it('follows the sync loop', () => {
    expect(connectionOf(null)).toBe('connecting');
    expect(connectionOf(SyncState.Prepared)).toBe('online');
    expect(connectionOf(SyncState.Syncing)).toBe('online');
    expect(connectionOf(SyncState.Reconnecting)).toBe('connecting');
    expect(connectionOf(SyncState.Catchup)).toBe('connecting');
    expect(connectionOf(SyncState.Error)).toBe('offline');
  });
});
