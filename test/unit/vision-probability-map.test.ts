/**
 * @file vision:segment's probability map (masks.ts probabilityMap): for a photo no larger
 * than the map it is the full-size mask's mapping exactly (cut at the threshold, it is
 * maskFromLogits's mask, and its coverage is the mask's); a larger photo gets a map at
 * its aspect with the long side capped, whose cut is the full mask scaled down; bytes are
 * 255·sigmoid of the interpolated logit.
 */
import { describe, expect, it } from 'vitest';
import {
  maskFromLogits,
  probabilityMap,
  type LogitGrid,
  type MaskGeometry,
} from '../../electron/engine/vision/masks.js';

/** A smooth ramp with a hill: every pixel's logit differs, so a shifted mapping shows. */
function hillGrid(size = 64): LogitGrid {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      data[y * size + x] = 6 - Math.hypot(x - size * 0.4, y - size * 0.6) / 3 + x / 40;
  return { data, width: size, height: size };
}

const geometries: [string, MaskGeometry][] = [
  ['squash', { width: 300, height: 200, mode: 'squash' }],
  ['pad-square', { width: 200, height: 300, mode: 'pad-square', paddedSize: 300 }],
];

describe('probabilityMap', () => {
  for (const [name, geometry] of geometries) {
    it(`is the full-size mask's mapping when the photo fits the map (${name})`, () => {
      const grid = hillGrid();
      for (const threshold of [0.3, 0.5, 0.9]) {
        const map = probabilityMap(grid, geometry, { longSide: 512, threshold });
        const mask = maskFromLogits(grid, geometry, { threshold });
        expect([map.width, map.height]).toEqual([geometry.width, geometry.height]);
        expect(map.coverage).toBe(mask.coverage);
        // Bytes are rounded probabilities: away from the cut they agree with the mask.
        let disagree = 0;
        for (let i = 0; i < mask.data.length; i++) {
          const p = map.data[i]! / 255;
          if (Math.abs(p - threshold) > 1 / 255 && p > threshold !== (mask.data[i] === 255))
            disagree++;
        }
        expect(disagree).toBe(0);
      }
    });
  }

  it('caps the long side at the photo’s aspect, and its cut is the full mask scaled', () => {
    const grid = hillGrid();
    const geometry: MaskGeometry = { width: 4000, height: 3000, mode: 'squash' };
    const map = probabilityMap(grid, geometry, { longSide: 512 });
    expect([map.width, map.height]).toEqual([512, 384]);
    const mask = maskFromLogits(grid, geometry);
    expect(map.coverage).toBeCloseTo(mask.coverage, 2);
    // Each map pixel reads where its centre falls in the photo.
    const scale = 4000 / 512;
    let agree = 0;
    for (let y = 0; y < map.height; y++)
      for (let x = 0; x < map.width; x++) {
        const px = Math.floor((x + 0.5) * scale);
        const py = Math.floor((y + 0.5) * scale);
        if (map.data[y * map.width + x]! >= 128 === (mask.data[py * 4000 + px] === 255)) agree++;
      }
    expect(agree / (map.width * map.height)).toBeGreaterThan(0.995);
  });

  it('stores 255·sigmoid(logit), saturating without overflow', () => {
    const data = new Float32Array([-1000, -2, 0, 2, 1000, 0]);
    const map = probabilityMap(
      { data, width: 6, height: 1 },
      {
        width: 6,
        height: 1,
        mode: 'squash',
      },
      { longSide: 512 },
    );
    expect(Array.from(map.data)).toEqual([0, 30, 128, 225, 255, 128]);
  });
});
