/**
 * @file The toy models' colour words and their colours, exactly the table of
 * `TOY_MODELS.md` (section "Colours"). Shared by the toy-model generator and by tests
 * that paint coloured images and predict what the toy models answer. Test-time only.
 */

export type Rgb = readonly [number, number, number];

/** Colour word → RGB 0..255 (TOY_MODELS.md, "Colours"). */
export const TOY_COLOURS = {
  red: [220, 30, 30],
  orange: [245, 140, 20],
  yellow: [240, 220, 40],
  green: [40, 170, 60],
  blue: [30, 70, 220],
  purple: [130, 40, 180],
  pink: [245, 140, 200],
  brown: [120, 70, 30],
  white: [245, 245, 245],
  black: [15, 15, 15],
  gray: [128, 128, 128],
} as const satisfies Record<string, Rgb>;

export type ColourWord = keyof typeof TOY_COLOURS;

export const COLOUR_WORDS = Object.keys(TOY_COLOURS) as ColourWord[];

/** `v(c) = c − 0.5` per channel, with `c` the colour in 0..1 (TOY_MODELS.md). */
export function colourVector(rgb: Rgb): [number, number, number] {
  return [rgb[0] / 255 - 0.5, rgb[1] / 255 - 0.5, rgb[2] / 255 - 0.5];
}

/** The bias every toy CLIP embedding carries at index 3 (TOY_MODELS.md, "toy CLIP"). */
export const TOY_CLIP_BIAS = 0.1;
