/**
 * @file The inspector's pure drawing arithmetic (renderer process): where an engine box
 * lands on the displayed photo, and how a probability map becomes a translucent fill with
 * an outline. Kept apart from the components so it can be tested without a canvas.
 *
 * Coordinates from the engine are the photo's upright pixels (EXIF orientation applied),
 * which is also how <img> shows it, so one scale per axis maps them to the screen.
 */

/** A width and height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** A rectangle on screen, in CSS pixels of the overlay. */
export interface DisplayRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where `box` ([x0, y0, x1, y1] in upright photo pixels) lands on a photo shown at `displayed`. */
export function boxToDisplay(
  box: readonly [number, number, number, number],
  natural: Size,
  displayed: Size,
): DisplayRect {
  const sx = natural.width > 0 ? displayed.width / natural.width : 0;
  const sy = natural.height > 0 ? displayed.height / natural.height : 0;
  const [x0, y0, x1, y1] = box;
  const left = Math.max(0, Math.min(x0, x1));
  const top = Math.max(0, Math.min(y0, y1));
  const right = Math.min(natural.width, Math.max(x0, x1));
  const bottom = Math.min(natural.height, Math.max(y0, y1));
  return {
    x: left * sx,
    y: top * sy,
    width: Math.max(0, right - left) * sx,
    height: Math.max(0, bottom - top) * sy,
  };
}

/** Distinct colours for prompts, in the order they are added: readable on photos, dark or light. */
export const PROMPT_COLOURS = [
  '#f59e0b',
  '#22d3ee',
  '#a3e635',
  '#f472b6',
  '#818cf8',
  '#fb7185',
  '#34d399',
  '#facc15',
] as const;

/** '#rrggbb' → [r, g, b]; anything else is the first prompt colour. */
export function hexToRgb(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!match) return hexToRgb(PROMPT_COLOURS[0]);
  const [, r = '0', g = '0', b = '0'] = match;
  return [parseInt(r, 16), parseInt(g, 16), parseInt(b, 16)];
}

/** Alpha of the fill inside a mask: translucent, so the photo shows through. */
export const MASK_FILL_ALPHA = 110;
/** Alpha of the mask's outline: opaque, so the edge reads at any size. */
export const MASK_OUTLINE_ALPHA = 255;

/**
 * Threshold a probability map into an RGBA overlay. `probability` is RGBA pixels of the
 * engine's greyscale PNG (the red channel is read; 255 = certain); a pixel is inside when
 * its probability reaches `threshold` (0..1). Inside pixels get `colour` at
 * MASK_FILL_ALPHA, inside pixels with an outside 4-neighbour (or on the image's edge) get
 * it at MASK_OUTLINE_ALPHA, outside pixels stay transparent.
 */
export function thresholdMask(
  probability: Uint8ClampedArray,
  width: number,
  height: number,
  threshold: number,
  colour: readonly [number, number, number],
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  // A probability of 0 is never inside, even at threshold 0: nothing is not a mask.
  const cut = Math.max(1, Math.ceil(threshold * 255 - 1e-9));
  const inside = (x: number, y: number) => (probability[(y * width + x) * 4] ?? 0) >= cut;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        !inside(x - 1, y) ||
        !inside(x + 1, y) ||
        !inside(x, y - 1) ||
        !inside(x, y + 1);
      const at = (y * width + x) * 4;
      out[at] = colour[0];
      out[at + 1] = colour[1];
      out[at + 2] = colour[2];
      out[at + 3] = edge ? MASK_OUTLINE_ALPHA : MASK_FILL_ALPHA;
    }
  }
  return out;
}

/** How many pixels of an RGBA overlay are drawn (alpha > 0): the mask's area in map pixels. */
export function drawnPixels(rgba: Uint8ClampedArray): number {
  let count = 0;
  for (let i = 3; i < rgba.length; i += 4) if ((rgba[i] ?? 0) > 0) count++;
  return count;
}
