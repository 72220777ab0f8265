/**
 * @file The peer baseline as a user would write it (plain Node ESM, run as its own
 * process by baseline.ts, no bundle, so its start-up is only its own): transformers.js'
 * documented CLIP image-embedding recipe — AutoProcessor and
 * CLIPVisionModelWithProjection from a local folder, RawImage.read per photo, the
 * processor and the model on batches of 16. Usage: `node baseline-script.mjs <hfRoot>
 * <modelId> <photo>…`. Prints, as its last stdout line, JSON with epoch-millisecond
 * stamps (import done, model loaded, each batch done) so the parent can split
 * whole-process time from the steady state; see [Note: a fair baseline] in baseline.ts.
 */
const imported = Date.now();
const { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env } =
  await import('@huggingface/transformers');
const [hfRoot, modelId, ...photos] = process.argv.slice(2);
const BATCH = 16;
env.localModelPath = hfRoot;
env.allowRemoteModels = false;
env.allowLocalModels = true;
const importDone = Date.now();
const processor = await AutoProcessor.from_pretrained(modelId);
// Its Node defaults, passed explicitly so a future default cannot change the comparison.
const model = await CLIPVisionModelWithProjection.from_pretrained(modelId, {
  device: 'cpu',
  dtype: 'fp32',
});
const loaded = Date.now();
const batches = [];
for (let start = 0; start < photos.length; start += BATCH) {
  const images = await Promise.all(photos.slice(start, start + BATCH).map((f) => RawImage.read(f)));
  const inputs = await processor(images);
  const { image_embeds: embeds } = await model(inputs);
  if (embeds === undefined) throw new Error('the model returned no image_embeds');
  batches.push({ at: Date.now(), done: Math.min(photos.length, start + BATCH) });
}
const session = model.sessions?.model;
process.stdout.write(
  `${JSON.stringify({
    imported,
    importDone,
    loaded,
    batches,
    sessionDevice: String(session?.config?.device ?? 'unknown'),
    sessionDtype: String(session?.config?.dtype ?? 'unknown'),
    ortHandler: session?.handler?.constructor?.name ?? 'unknown',
  })}\n`,
  () => process.exit(0),
);
