import { deflateSync } from 'node:zlib';

/**
 * The tray icon, drawn in code and encoded as PNG so that main needs no image
 * files next to its bundle: a red square with a white page, and a yellow dot
 * while there is something unread (the count itself is in the tooltip and,
 * where the platform has one, the badge).
 */

export const TRAY_ICON_SIZE = 32;

type Rgba = readonly [number, number, number, number];
const RED: Rgba = [183, 28, 28, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const LINE: Rgba = [183, 28, 28, 255];
const DOT: Rgba = [255, 193, 7, 255];
const DOT_RING: Rgba = [90, 20, 20, 255];

function drawIcon(unread: boolean): Uint8Array {
  const size = TRAY_ICON_SIZE;
  const pixels = new Uint8Array(size * size * 4);
  const set = (x: number, y: number, [r, g, b, a]: Rgba) => pixels.set([r, g, b, a], (y * size + x) * 4);
  const corner = 6;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Rounded corners: leave the pixels outside the corner circles transparent.
      const cx = x < corner ? corner : x >= size - corner ? size - corner - 1 : x;
      const cy = y < corner ? corner : y >= size - corner ? size - corner - 1 : y;
      if ((x - cx) ** 2 + (y - cy) ** 2 <= corner ** 2) set(x, y, RED);
    }
  }
  // The page, with four lines of "text".
  for (let y = 6; y < 26; y++) for (let x = 9; x < 23; x++) set(x, y, WHITE);
  for (const y of [10, 14, 18, 22]) for (let x = 11; x < (y === 22 ? 17 : 21); x++) set(x, y, LINE);
  if (unread) {
    const [cx, cy, radius] = [25, 7, 6.5];
    for (let y = 0; y < 15; y++) {
      for (let x = 17; x < size; x++) {
        const distance = Math.hypot(x - cx, y - cy);
        if (distance <= radius - 1.5) set(x, y, DOT);
        else if (distance <= radius) set(x, y, DOT_RING);
      }
    }
  }
  return pixels;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes RGBA pixels (8 bits per channel, no interlace) as PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new RangeError('pixel data does not match the size');
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit depth, colour type RGBA, deflate, no filter method variants, no interlace
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    // Each scanline starts with its filter type; 0 = none.
    rows.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array())]);
}

const cache = new Map<boolean, Buffer>();

/** The tray icon as PNG, 32×32 pixels (shown at 16×16 points with scale factor 2). */
export function trayIconPng(unread: number): Buffer {
  const hasUnread = unread > 0;
  let png = cache.get(hasUnread);
  if (!png) cache.set(hasUnread, (png = encodePng(TRAY_ICON_SIZE, TRAY_ICON_SIZE, drawIcon(hasUnread))));
  return png;
}
