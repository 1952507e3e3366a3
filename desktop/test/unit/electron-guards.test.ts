import { describe, expect, it } from 'vitest';
import { isAppUrl } from '../../src/main/app-url.ts';
import { deepLinkFromArgv, parseDeepLink } from '../../src/main/deep-link.ts';
import { externalUrlToOpen } from '../../src/main/external-links.ts';
import { refusedAnswer, senderRefusal } from '../../src/main/sender-check.ts';

/**
 * The pure checks main runs on untrusted input: who sent an IPC message,
 * which links leave the app, which deep links reach the renderer.
 */

const APP = 'app://govdesk/index.html';

describe('the IPC sender check', () => {
  it('serves the main frame of our window showing app://govdesk', () => {
    expect(senderRefusal({ fromOurWindow: true, frame: { url: APP, isMainFrame: true } })).toBeNull();
    expect(senderRefusal({ fromOurWindow: true, frame: { url: 'app://govdesk/documents/d_x', isMainFrame: true } })).toBeNull();
  });

  it('refuses other webContents, gone frames and subframes', () => {
    expect(senderRefusal({ fromOurWindow: false, frame: { url: APP, isMainFrame: true } })).toMatch(/not a GovDesk window/);
    expect(senderRefusal({ fromOurWindow: true, frame: null })).toMatch(/gone/);
    expect(senderRefusal({ fromOurWindow: true, frame: { url: APP, isMainFrame: false } })).toMatch(/subframes/);
  });

  it('refuses pages that are not app://govdesk, however close they look', () => {
    for (const url of [
      'https://govdesk/index.html',
      'file:///app/dist/renderer/index.html',
      'app://govdesk.evil.example/index.html',
      'app://evil.example/govdesk/',
      'app://govdesk@evil.example/',
      'app://user:pw@govdesk/',
      'app://govdesk:8080/',
      'http://127.0.0.1:5190/',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
      'not a url',
    ]) {
      expect(senderRefusal({ fromOurWindow: true, frame: { url, isMainFrame: true } }), url).toMatch(/not the GovDesk app/);
    }
  });

  it('answers a refusal with an error value', () => {
    expect(refusedAnswer('x')).toEqual({ ok: false, error: { code: 'forbidden', message: 'refused: x' } });
  });

  it('isAppUrl agrees', () => {
    expect(isAppUrl(APP)).toBe(true);
    expect(isAppUrl('app://govdesk')).toBe(true);
    expect(isAppUrl('app://govdesk.example/')).toBe(false);
    expect(isAppUrl('APP://other/')).toBe(false);
  });
});

describe('external links', () => {
  it('opens web and mail links, normalised', () => {
    expect(externalUrlToOpen('https://www.gov.cn/zhengce/')).toBe('https://www.gov.cn/zhengce/');
    expect(externalUrlToOpen('HTTP://Example.COM')).toBe('http://example.com/');
    expect(externalUrlToOpen('mailto:office@gd.gov.cn')).toBe('mailto:office@gd.gov.cn');
  });

  it('refuses every other scheme, credentials, and junk', () => {
    for (const url of [
      'file:///etc/passwd',
      'smb://attacker/share',
      'ms-msdt:/id PCWDiagnostic',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'vbscript:x',
      'app://govdesk/',
      'govdesk://home',
      'https://www.gov.cn@evil.example/',
      'https://user:pass@example.com/',
      'https:',
      '/relative/path',
      '',
      `https://example.com/${'a'.repeat(3000)}`,
    ]) {
      expect(externalUrlToOpen(url), url).toBeNull();
    }
  });
});

describe('govdesk:// deep links', () => {
  const id = 'd_0123456789abcdefghijAB';

  it('open the routes of DeepLinkRoute', () => {
    expect(parseDeepLink('govdesk://home')).toBe('/home');
    expect(parseDeepLink('govdesk://home/')).toBe('/home');
    expect(parseDeepLink('govdesk://documents')).toBe('/documents');
    expect(parseDeepLink(`govdesk://documents/${id}`)).toBe(`/documents/${id}`);
    expect(parseDeepLink(`GOVDESK://documents/${id}`)).toBe(`/documents/${id}`);
    expect(parseDeepLink('govdesk:///documents')).toBe('/documents');
  });

  it('refuse anything else', () => {
    for (const link of [
      'govdesk://settings',
      'govdesk://documents/d_short',
      `govdesk://documents/${id}/extra`,
      `govdesk://documents/${id}?x=1`,
      `govdesk://documents/${id}#frag`,
      'govdesk://user:pw@home',
      'govdesk://home:80',
      'govdesk://documents/..%2F..%2Fetc',
      'govdesk://documents/%64_0123456789abcdefghijAB',
      'govdesk:home',
      'https://home',
      'app://govdesk/home',
      'javascript:alert(1)',
      '',
      `govdesk://home/${'x'.repeat(3000)}`,
    ]) {
      expect(parseDeepLink(link), link).toBeNull();
    }
  });

  it('are found on a command line (Windows and Linux second instances)', () => {
    expect(deepLinkFromArgv(['/opt/GovDesk/govdesk', '--some-switch', 'govdesk://home'])).toBe('/home');
    expect(deepLinkFromArgv(['electron', '/app', `govdesk://documents/${id}`])).toBe(`/documents/${id}`);
    expect(deepLinkFromArgv(['/opt/GovDesk/govdesk'])).toBeNull();
    expect(deepLinkFromArgv(['/opt/GovDesk/govdesk', 'govdesk://settings'])).toBeNull();
  });
});
