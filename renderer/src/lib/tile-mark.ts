/**
 * @file A result tile's badge (ResultTile.svelte): a symbol shown over the picture with a
 * ring in its tone, and the text read out with the file name (the trainer's example,
 * counter-example and suggested marks).
 */
export interface TileMark {
  symbol: string;
  text: string;
  tone: 'accent' | 'danger' | 'info';
}
