import { MatrixRequestError, matrixPath, type MatrixHttp } from './matrix-http.ts';

/**
 * Files through the homeserver's media API, with progress: uploads as a
 * counted stream (fetch reports nothing while it sends a body), downloads
 * through the authenticated media endpoints (/_matrix/client/v1/media).
 */

export type Progress = (loaded: number, total: number) => void;

/** Chunks small enough for progress to move smoothly, large enough to cost nothing. */
const CHUNK = 64 * 1024;
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/** Uploads bytes and returns their mxc:// URI. `onProgress` follows the bytes handed to the connection. */
export async function uploadMedia(http: MatrixHttp, file: { name: string; mimeType: string; data: Uint8Array }, onProgress: Progress): Promise<string> {
  const total = file.data.byteLength;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= total) {
        controller.close();
        return;
      }
      const end = Math.min(total, offset + CHUNK);
      controller.enqueue(file.data.subarray(offset, end));
      offset = end;
      onProgress(offset, total);
    },
  });
  const response = await http.fetch(http.url('/_matrix/media/v3/upload', { filename: file.name }), {
    method: 'POST',
    headers: { 'content-type': file.mimeType || 'application/octet-stream', 'content-length': String(total) },
    body,
    duplex: 'half',
    timeoutMs: UPLOAD_TIMEOUT_MS,
  });
  const answer = (await response.json()) as { content_uri?: unknown };
  if (typeof answer.content_uri !== 'string' || !answer.content_uri.startsWith('mxc://')) throw new MatrixRequestError('refused', 'the homeserver answered the upload without a content URI');
  return answer.content_uri;
}

function mxcParts(mxc: string): { server: string; mediaId: string } {
  const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(mxc);
  if (!match) throw new MatrixRequestError('refused', `not an mxc URI: ${mxc}`);
  return { server: match[1] as string, mediaId: match[2] as string };
}

/** A thumbnail that fits a timeline bubble (Synapse's default sizes include 800×600 scale). */
const THUMBNAIL = { width: 800, height: 600, method: 'scale' } as const;

/** Downloads a file (or its thumbnail), streaming, reporting progress as it comes in. */
export async function downloadMedia(http: MatrixHttp, mxc: string, thumbnail: boolean, onProgress: Progress): Promise<{ mimeType: string; data: Uint8Array }> {
  const { server, mediaId } = mxcParts(mxc);
  const url = thumbnail
    ? http.url(matrixPath`/_matrix/client/v1/media/thumbnail/${server}/${mediaId}`, THUMBNAIL)
    : http.url(matrixPath`/_matrix/client/v1/media/download/${server}/${mediaId}`);
  const response = await http.fetch(url, { timeoutMs: UPLOAD_TIMEOUT_MS });
  const mimeType = response.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
  const total = Number(response.headers.get('content-length') ?? 0) || 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      loaded += chunk.byteLength;
      onProgress(loaded, Math.max(total, loaded));
    }
  } catch (error) {
    throw new MatrixRequestError('network', `the download was cut off: ${String(error)}`);
  }
  const data = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { mimeType, data };
}

/**
 * The size in pixels of a PNG, GIF, JPEG or WebP image, read from its header,
 * so the timeline can reserve the space before the thumbnail arrives.
 */
export function imageSize(data: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ascii = (offset: number, length: number) => (data.byteLength >= offset + length ? String.fromCharCode(...data.subarray(offset, offset + length)) : '');
  const valid = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : null);
  if (data.byteLength >= 24 && ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR') return valid(view.getUint32(16), view.getUint32(20));
  if (data.byteLength >= 10 && ascii(0, 3) === 'GIF') return valid(view.getUint16(6, true), view.getUint16(8, true));
  if (data.byteLength >= 32 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const format = ascii(12, 4);
    if (format === 'VP8 ') return valid(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
    if (format === 'VP8L') {
      const bits = view.getUint32(21, true);
      return valid((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
    }
    if (format === 'VP8X') return valid((view.getUint32(24, true) & 0xffffff) + 1, (view.getUint32(27, true) & 0xffffff) + 1);
    return null;
  }
  if (data.byteLength >= 4 && view.getUint16(0) === 0xffd8) {
    let offset = 2;
    while (offset + 9 < data.byteLength) {
      if (data[offset] !== 0xff) return null;
      const marker = data[offset + 1] as number;
      // Start of frame (baseline, progressive, …), not DHT (C4), JPG (C8) or DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return valid(view.getUint16(offset + 7), view.getUint16(offset + 5));
      offset += 2 + view.getUint16(offset + 2);
    }
  }
  return null;
}
