// @file Renders Lantern's app icons from icon.svg with sharp (run by hand after editing the
// SVG: `node resources/icons/generate-icons.mjs`; the outputs are committed).
// - icon.png (512×512): the window icon and electron-builder's source for every target;
// - 256x256.png, 512x512.png: the Linux icon set (AppImage, deb), named as electron-builder
//   expects in a folder of sizes;
// - icon.ico: PNG-compressed ICO (16–256 px) for the NSIS installer and the Windows exe;
// - icon.icns: ICNS with PNG entries (ic07–ic10, 128–1024 px) for the macOS DMG and app.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = path.dirname(fileURLToPath(import.meta.url));
const svg = await readFile(path.join(dir, 'icon.svg'));

/** The SVG rasterised at `size` px: density scales its 512-unit viewBox. */
const render = (size) =>
  sharp(svg, { density: (72 * size) / 512 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer();

const png = {};
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) png[size] = await render(size);

await writeFile(path.join(dir, 'icon.png'), png[512]);
await writeFile(path.join(dir, '512x512.png'), png[512]);
await writeFile(path.join(dir, '256x256.png'), png[256]);

// ICO: a 6-byte header, a 16-byte entry per image, then the PNG data (Vista and later).
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const header = Buffer.alloc(6 + 16 * icoSizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2); // type: icon
header.writeUInt16LE(icoSizes.length, 4);
let offset = header.length;
icoSizes.forEach((size, i) => {
  const entry = 6 + 16 * i;
  header.writeUInt8(size === 256 ? 0 : size, entry); // 0 means 256
  header.writeUInt8(size === 256 ? 0 : size, entry + 1);
  header.writeUInt8(0, entry + 2); // no palette
  header.writeUInt8(0, entry + 3);
  header.writeUInt16LE(1, entry + 4); // colour planes
  header.writeUInt16LE(32, entry + 6); // bits per pixel
  header.writeUInt32LE(png[size].length, entry + 8);
  header.writeUInt32LE(offset, entry + 12);
  offset += png[size].length;
});
await writeFile(
  path.join(dir, 'icon.ico'),
  Buffer.concat([header, ...icoSizes.map((s) => png[s])]),
);

// ICNS: 'icns' + total length, then (type, length incl. 8-byte header, PNG data) per entry.
const icnsTypes = [
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
];
const entries = icnsTypes.map(([type, size]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(png[size].length + 8, 4);
  return Buffer.concat([head, png[size]]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4);
await writeFile(path.join(dir, 'icon.icns'), Buffer.concat([icnsHead, ...entries]));

console.log('Wrote icon.png, 256x256.png, 512x512.png, icon.ico and icon.icns.');
