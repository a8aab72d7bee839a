/**
 * The heatmap as a PNG, drawn on the server: one square per deadline in the heatmap's colours,
 * a darker cross for never submitted, a thin gap between committees. PNG is deflate over rows of
 * RGB bytes (RFC 2083); node:zlib has both deflate and crc32, so no image library is needed for
 * squares of flat colour. Labels stay in the HTML page and the spreadsheets.
 */
import { crc32, deflateSync } from 'node:zlib';
import type { CellColour, Heatmap } from './model';

const RGB: Record<CellColour | 'none' | 'gap', [number, number, number]> = {
  green: [46, 125, 50],
  blue: [21, 101, 192],
  yellow: [249, 168, 37],
  red: [198, 40, 40],
  grey: [154, 165, 177],
  none: [255, 255, 255],
  gap: [228, 231, 235],
};

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** Encodes an RGB image given as a pixel function. */
export function encodePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const CELL_PX = 10;

export function heatmapPng(map: Heatmap): Buffer {
  const lines: ({ kind: 'gap' } | { kind: 'row'; cells: Heatmap['groups'][number]['rows'][number]['cells'] })[] = [];
  for (const g of map.groups) {
    if (lines.length > 0) lines.push({ kind: 'gap' });
    for (const r of g.rows) lines.push({ kind: 'row', cells: r.cells });
  }
  const width = Math.max(1, map.cycles.length * CELL_PX);
  const height = Math.max(
    1,
    lines.reduce((h, l) => h + (l.kind === 'gap' ? 3 : CELL_PX), 0),
  );
  const rowAt: { line: (typeof lines)[number]; y0: number }[] = [];
  let y = 0;
  for (const l of lines) {
    const h = l.kind === 'gap' ? 3 : CELL_PX;
    for (let i = 0; i < h; i++) rowAt.push({ line: l, y0: y });
    y += h;
  }
  return encodePng(width, height, (px, py) => {
    const at = rowAt[py];
    if (!at || at.line.kind === 'gap') return RGB.gap;
    const cell = at.line.cells[Math.floor(px / CELL_PX)];
    const dx = px % CELL_PX;
    const dy = py - at.y0;
    // A one-pixel white border keeps neighbouring squares apart.
    if (!cell || dx === CELL_PX - 1 || dy === CELL_PX - 1) return RGB.none;
    if (cell.missing && (dx === dy || dx === CELL_PX - 2 - dy) && dx > 1 && dx < CELL_PX - 3) return [20, 20, 20];
    return RGB[cell.colour];
  });
}
