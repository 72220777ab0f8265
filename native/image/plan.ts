/**
 * @file The geometry of one decode: how large the single decoded intermediate must be
 * so that both the model input and the thumbnail can be cut from it, and what is then
 * done to it for each. Pure arithmetic; runs in the engine worker.
 *
 * [Note: decode once, at the smallest size that serves both]
 * libvips shrinks JPEG (DCT scaling) and WebP on load when asked for a smaller
 * output, so decoding straight to a small size is far cheaper than decoding full
 * size. The image is therefore decoded once, oriented and resized to an
 * "intermediate" whose shortest side is at least the model input size and whose
 * longest side is at least the thumbnail size; the model tensor and the thumbnail are
 * then derived from those raw pixels in memory. When the model needs the larger
 * image (the usual case: a 224 model input and a 256 thumbnail on a 4:3 photo), the
 * intermediate is exactly the model's shortest-side resize, so the tensor has been
 * resampled once, as the reference preprocessing does; only the thumbnail is
 * resampled twice.
 */

export interface Size {
  width: number;
  height: number;
}

export interface DecodePlan {
  /** Resize of the oriented image during decode; null keeps the decoded size. */
  intermediate: Size | null;
  /** Resize of the intermediate for the model; null when it already has that size. */
  modelResize: Size | null;
  /** Top-left of the centre crop (shortest-crop); null for squash. */
  crop: { left: number; top: number } | null;
  /** Thumbnail size, and whether the intermediate must be resized to reach it. */
  thumbnail: (Size & { resize: boolean }) | null;
}

/** The model's resize before any crop: shortest side to `size`, or both sides to it. */
export function modelResizeSize(
  source: Size,
  size: number,
  mode: 'shortest-crop' | 'squash',
): Size {
  if (mode === 'squash') return { width: size, height: size };
  // Truncation, as torchvision's Resize and transformers' CLIPImageProcessor compute
  // the long side (int(size * long / short)); never below `size`, so the crop fits.
  if (source.width <= source.height) {
    return {
      width: size,
      height: Math.max(size, Math.floor((source.height * size) / source.width)),
    };
  }
  return { width: Math.max(size, Math.floor((source.width * size) / source.height)), height: size };
}

/** Longest side to `size`, never enlarged: a thumbnail is never bigger than its image. */
export function thumbnailSize(source: Size, size: number): Size {
  const longest = Math.max(source.width, source.height);
  if (longest <= size) return { ...source };
  const scale = size / longest;
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}

function sameSize(a: Size | null, b: Size): boolean {
  return a !== null && a.width === b.width && a.height === b.height;
}

/** Plan the decode of an oriented `source` for a model input `size` and a thumbnail. */
export function planDecode(
  source: Size,
  size: number,
  mode: 'shortest-crop' | 'squash',
  thumbnail: number | null,
): DecodePlan {
  const model = modelResizeSize(source, size, mode);
  // transformers' CLIPImageProcessor centre crop: floor of half the excess.
  const crop =
    mode === 'shortest-crop'
      ? { left: Math.floor((model.width - size) / 2), top: Math.floor((model.height - size) / 2) }
      : null;

  if (thumbnail === null) {
    // Nothing else needs the pixels: decode straight to the model's resize.
    return { intermediate: model, modelResize: null, crop, thumbnail: null };
  }

  const thumb = thumbnailSize(source, thumbnail);
  const shortest = Math.min(source.width, source.height);
  const longest = Math.max(source.width, source.height);
  const scale = Math.max(size / shortest, thumbnail / longest);

  let intermediate: Size | null;
  if (scale >= 1) {
    // The model must upscale anyway and the thumbnail is the image itself: decode at
    // full size and let each side resize from there (small images are cheap).
    intermediate = null;
  } else if (mode === 'shortest-crop' && size / shortest >= thumbnail / longest) {
    intermediate = model;
  } else {
    const scaled = (side: number) => Math.max(1, Math.round(side * scale));
    intermediate = { width: scaled(source.width), height: scaled(source.height) };
    // Rounding must not take the short side under the model input.
    if (intermediate.width < size && source.width <= source.height) intermediate.width = size;
    if (intermediate.height < size && source.height < source.width) intermediate.height = size;
  }

  const decoded = intermediate ?? source;
  return {
    intermediate,
    modelResize: sameSize(decoded, model) ? null : model,
    crop,
    thumbnail: { ...thumb, resize: !sameSize(decoded, thumb) },
  };
}
