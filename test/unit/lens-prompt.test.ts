/**
 * @file Reading a generated image's prompt: the embedded texts as native/image reads them
 * from real files (PNG tEXt, iTXt and zTXt chunks; EXIF ImageDescription and UserComment
 * written by sharp), and the choice of the prompt among them (engine/lenses
 * prompt-text.ts): AUTOMATIC1111's parameters without negative prompt and settings,
 * ComfyUI's graph followed to the sampler's positive text, the order of trust.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddedText, userCommentText } from '../../native/image/embedded-text.js';
import {
  a1111Prompt,
  comfyPrompt,
  promptFromText,
} from '../../electron/engine/lenses/prompt-text.js';
import { removeDir, tempDir } from '../fixtures/library.js';
import { withTextChunks } from '../fixtures/png-text.js';

const RED = { r: 220, g: 30, b: 30 };
const A1111 =
  'a red square, studio light\nNegative prompt: blue\nSteps: 20, Sampler: Euler a, Seed: 1';

function solid() {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: RED } });
}

describe('embedded text of real files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('reads PNG tEXt, iTXt (UTF-8) and zTXt chunks in file order', async () => {
    const file = path.join(dir, 'chunks.png');
    const png = await solid().png().toBuffer();
    await writeFile(
      file,
      withTextChunks(png, [
        { type: 'tEXt', keyword: 'parameters', text: A1111 },
        { type: 'iTXt', keyword: 'Description', text: 'un carré rouge' },
        { type: 'zTXt', keyword: 'Comment', text: 'compressed words' },
      ]),
    );
    const text = await readEmbeddedText(file);
    expect(text.chunks).toEqual([
      { keyword: 'parameters', text: A1111 },
      { keyword: 'Description', text: 'un carré rouge' },
      { keyword: 'Comment', text: 'compressed words' },
    ]);
    expect(promptFromText(text)).toEqual({
      prompt: 'a red square, studio light',
      source: "PNG chunk 'parameters'",
    });
  });

  it('takes an iTXt Description when no generator chunk is there', async () => {
    const file = path.join(dir, 'itxt.png');
    const png = await solid().png().toBuffer();
    await writeFile(
      file,
      withTextChunks(png, [{ type: 'iTXt', keyword: 'Description', text: 'un carré rouge' }]),
    );
    expect(promptFromText(await readEmbeddedText(file))).toEqual({
      prompt: 'un carré rouge',
      source: "PNG chunk 'Description'",
    });
  });

  it('reads EXIF ImageDescription and UserComment written by sharp', async () => {
    const described = path.join(dir, 'described.jpg');
    await solid()
      .withExif({ IFD0: { ImageDescription: 'a red square' } })
      .jpeg()
      .toFile(described);
    expect(promptFromText(await readEmbeddedText(described))).toEqual({
      prompt: 'a red square',
      source: 'EXIF ImageDescription',
    });

    const commented = path.join(dir, 'commented.jpg');
    await solid()
      .withExif({ IFD0: { ImageDescription: 'the camera' }, IFD2: { UserComment: A1111 } })
      .jpeg()
      .toFile(commented);
    const text = await readEmbeddedText(commented);
    expect(text.userComment).toBe(A1111);
    // A1111 writes its parameters to UserComment in a JPEG: trusted before the description.
    expect(promptFromText(text)).toEqual({
      prompt: 'a red square, studio light',
      source: 'EXIF UserComment',
    });
  });

  it('finds nothing in a plain photo, and refuses a FIFO without blocking', async () => {
    const plain = path.join(dir, 'plain.png');
    await solid().png().toFile(plain);
    expect(promptFromText(await readEmbeddedText(plain))).toBeNull();
    const fifo = path.join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    await expect(readEmbeddedText(fifo)).rejects.toMatchObject({ code: 'READ_FAILED' });
  });
});

describe('choosing the prompt', () => {
  it('keeps AUTOMATIC1111’s prompt lines only', () => {
    expect(a1111Prompt('line one\r\nline two\nSteps: 30, CFG scale: 7')).toBe('line one\nline two');
    expect(a1111Prompt('just a prompt')).toBe('just a prompt');
  });

  it('follows a ComfyUI graph to the positive text, not the negative', () => {
    const graph = {
      '3': { class_type: 'KSampler', inputs: { positive: ['6', 0], negative: ['7', 0] } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a red square' } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry, blue' } },
    };
    expect(comfyPrompt(JSON.stringify(graph))).toBe('a red square');
    expect(comfyPrompt('a prompt from another tool')).toBe('a prompt from another tool');
    expect(comfyPrompt('{"1": {"inputs": {}}}')).toBe('');
  });

  it('trusts parameters, then prompt, then Description, Comment, UserComment, ImageDescription', () => {
    const none = { chunks: [], imageDescription: null, userComment: null };
    expect(promptFromText(none)).toBeNull();
    expect(
      promptFromText({
        chunks: [
          { keyword: 'Description', text: 'third' },
          { keyword: 'prompt', text: 'second' },
        ],
        imageDescription: 'last',
        userComment: 'fifth',
      }),
    ).toEqual({ prompt: 'second', source: "PNG chunk 'prompt'" });
    expect(promptFromText({ ...none, imageDescription: 'last', userComment: 'fifth' })).toEqual({
      prompt: 'fifth',
      source: 'EXIF UserComment',
    });
  });

  it('decodes UserComment’s character-code header', () => {
    const ascii = Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from('a cat')]);
    expect(userCommentText(new Uint8Array(ascii))).toBe('a cat');
    const unicode = Buffer.concat([
      Buffer.from('UNICODE\0', 'latin1'),
      Buffer.from('a cat', 'utf16le').swap16(),
    ]);
    expect(userCommentText(new Uint8Array(unicode))).toBe('a cat');
    expect(userCommentText(42)).toBeNull();
  });
});
