/**
 * @file The inspector in the lightbox against a fake backend: Inspect (button or I) opens
 * it, a prompt becomes a chip that asks vision:detect for that prompt only (answers are
 * cached per photo and prompt), chips toggle and go away (also with Delete), boxes land at
 * the displayed coordinates for a natural/displayed size (a rotated photo's upright size
 * comes from the answer), the threshold slider filters the answer without another call,
 * the mask thresholding arithmetic, the vision:export inputs, the lenses' answers, the
 * first-load message and the engine's error sentence.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../electron/shared/contract.js';
import type { VisionDetection, VisionDetections } from '../../electron/shared/types.js';
import BoxOverlay from '../../renderer/src/components/inspector/BoxOverlay.svelte';
import Lightbox from '../../renderer/src/components/search/Lightbox.svelte';
import {
  boxToDisplay,
  drawnPixels,
  MASK_FILL_ALPHA,
  MASK_OUTLINE_ALPHA,
  thresholdMask,
} from '../../renderer/src/lib/inspector-draw.js';
import { clearInspectorCache, InspectorState } from '../../renderer/src/lib/inspector.svelte.js';
import { JobsState } from '../../renderer/src/lib/jobs.svelte.js';
import {
  detectionsAnswer,
  installFakeBackend,
  masksAnswer,
  type FakeShell,
  type Handlers,
} from './fake-backend.js';
import { deferred, makeResults } from './fixtures.js';

const PHOTO = '/photos/img-1.jpg';

const RED: VisionDetection[] = [
  { label: 'red', score: 0.9, box: [10, 20, 110, 220] },
  { label: 'red', score: 0.5, box: [300, 40, 400, 140] },
  { label: 'red', score: 0.2, box: [500, 300, 600, 400] },
];

/** vision:detect answering each asked prompt from `byPrompt`. */
function detector(
  byPrompt: Record<string, VisionDetection[]>,
  size?: { width: number; height: number },
) {
  return ({ prompts }: { prompts: string[] }): VisionDetections =>
    detectionsAnswer(
      prompts.flatMap((p) => byPrompt[p] ?? []),
      size,
    );
}

function calls(invoke: ReturnType<typeof installFakeBackend>['invoke'], channel: Channel) {
  return invoke.mock.calls.filter(([c]) => c === channel).map(([, input]) => input);
}

async function openInspector(handlers: Handlers = {}, options: FakeShell = {}) {
  const fake = installFakeBackend(
    { 'vision:detect': detector({ red: RED }), ...handlers },
    options,
  );
  const onclose = vi.fn();
  render(Lightbox, {
    results: makeResults(3),
    index: 1,
    query: '',
    jobs: new JobsState(),
    ffmpegProblem: null,
    onindex: vi.fn(),
    onclose,
    onsimilar: vi.fn(),
  });
  await fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
  return { ...fake, onclose, panel: screen.getByRole('region', { name: 'Inspector' }) };
}

/** Type a prompt and press Enter (the field's form submits). */
async function addPrompt(text: string) {
  const field = screen.getByRole('textbox', { name: 'Prompt' });
  await fireEvent.input(field, { target: { value: text } });
  await fireEvent.submit(field.closest('form') as HTMLFormElement);
}

const boxes = () => screen.queryAllByRole('button', { name: /^\w+ \d\.\d\d$/ });

beforeEach(() => clearInspectorCache());
afterEach(() => cleanup());

describe('the inspector', () => {
  it('opens from the lightbox with Inspect or I, and Esc closes it but not the lightbox', async () => {
    const { panel, onclose } = await openInspector();
    expect(within(panel).getByRole('img', { name: 'img-1.jpg' })).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole('textbox', { name: 'Prompt' }), { key: 'Escape' });
    expect(screen.queryByRole('region', { name: 'Inspector' })).toBeNull();
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'i' });
    expect(screen.getByRole('region', { name: 'Inspector' })).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'I' });
    expect(screen.queryByRole('region', { name: 'Inspector' })).toBeNull();
  });

  it('adds a prompt as a chip and asks vision:detect for that prompt only, once', async () => {
    const { invoke } = await openInspector();
    await addPrompt('  red ');
    const chips = screen.getByRole('list', { name: 'Prompts' });
    expect(within(chips).getByRole('listitem', { name: 'red' })).toBeTruthy();
    await waitFor(() => expect(boxes()).toHaveLength(2));
    await addPrompt('dog');
    await waitFor(() => expect(calls(invoke, 'vision:detect')).toHaveLength(2));
    expect(calls(invoke, 'vision:detect')).toEqual([
      { path: PHOTO, prompts: ['red'] },
      { path: PHOTO, prompts: ['dog'] },
    ]);
    await addPrompt('RED');
    expect(screen.getByRole('alert').textContent).toContain('“RED” is already a prompt.');
    expect(within(chips).getAllByRole('listitem')).toHaveLength(2);

    // Closed and opened again on the same photo: the cache answers, the engine is not asked.
    await fireEvent.click(screen.getByRole('button', { name: 'Close inspector' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
    await addPrompt('red');
    await waitFor(() => expect(boxes()).toHaveLength(2));
    expect(calls(invoke, 'vision:detect')).toHaveLength(2);
  });

  it('hides a prompt’s boxes with its toggle and removes it with its button or Delete', async () => {
    await openInspector({
      'vision:detect': detector({ red: RED, blue: [{ ...RED[0]!, label: 'blue' }] }),
    });
    await addPrompt('red');
    await addPrompt('blue');
    await waitFor(() => expect(boxes()).toHaveLength(3));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Show red' }));
    expect(boxes().map((b) => b.getAttribute('aria-label'))).toEqual(['blue 0.90']);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Show red' }));
    expect(boxes()).toHaveLength(3);

    await fireEvent.click(screen.getByRole('button', { name: 'Remove blue' }));
    expect(screen.queryByRole('listitem', { name: 'blue' })).toBeNull();
    expect(boxes()).toHaveLength(2);

    const chip = screen.getByRole('button', { name: 'red' });
    chip.focus();
    await fireEvent.keyDown(chip, { key: 'Delete' });
    expect(screen.queryByRole('listitem', { name: 'red' })).toBeNull();
    expect(boxes()).toHaveLength(0);
    // Focus is not lost with the chip: it goes back to the prompt field.
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Prompt' })),
    );
  });

  it('filters boxes with the threshold slider without asking the engine again', async () => {
    const { invoke } = await openInspector();
    await addPrompt('red');
    await waitFor(() => expect(boxes()).toHaveLength(2));
    const slider = screen.getByRole('slider', { name: 'Box threshold for red' });
    // The detector's suggestion (0.3) is where the slider starts.
    expect((slider as HTMLInputElement).value).toBe('0.3');
    await fireEvent.input(slider, { target: { value: '0.6' } });
    expect(boxes().map((b) => b.getAttribute('aria-label'))).toEqual(['red 0.90']);
    expect(screen.getByRole('listitem', { name: 'red' }).textContent).toContain('1 box');
    await fireEvent.input(slider, { target: { value: '0.1' } });
    expect(boxes()).toHaveLength(3);
    expect(calls(invoke, 'vision:detect')).toHaveLength(1);
  });

  it('frames the photo at the answer’s upright size: a rotated photo stands portrait', async () => {
    // The library recorded 640 × 480 (stored pixels); EXIF rotation makes it 480 × 640 upright.
    const { panel } = await openInspector({
      'vision:detect': detector({ red: RED }, { width: 480, height: 640 }),
    });
    const frame = within(panel).getByRole('img', { name: 'img-1.jpg' }).parentElement!;
    expect(frame.getAttribute('style')).toContain('aspect-ratio: 1.3333');
    await addPrompt('red');
    await waitFor(() => expect(frame.getAttribute('style')).toContain('aspect-ratio: 0.75'));
  });

  it('shows “Loading the detector…” during the first call only, and the engine’s error sentence', async () => {
    const answers = [
      deferred<VisionDetections>(),
      deferred<VisionDetections>(),
      deferred<VisionDetections>(),
    ];
    let call = 0;
    await openInspector({ 'vision:detect': () => answers[call++]!.promise });
    await addPrompt('red');
    expect(screen.getByText(/Loading the detector…/)).toBeTruthy();
    answers[0]!.resolve(detectionsAnswer(RED));
    await waitFor(() => expect(screen.queryByText(/Loading the detector…/)).toBeNull());
    await addPrompt('dog');
    expect(screen.getByText(/Detecting…/)).toBeTruthy();
    answers[1]!.resolve(detectionsAnswer([]));
    await waitFor(() => expect(screen.queryByText(/Detecting…/)).toBeNull());
    await addPrompt('cat');
    answers[2]!.reject(
      new Error('The detector toy-detect is not installed. Download it in Settings → Models.'),
    );
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain(
        'The detector toy-detect is not installed.',
      ),
    );
  });

  it('selects a box with Enter for a crop; boxes and chip controls are in the Tab order', async () => {
    const { invoke } = await openInspector({
      'vision:export': () => ({ path: '/photos/img-1.crop.png' }),
    });
    await addPrompt('red');
    await waitFor(() => expect(boxes()).toHaveLength(2));
    const crop = screen.getByRole('button', { name: 'Crop box' });
    expect(crop).toHaveProperty('disabled', true);
    for (const box of boxes()) expect(box.getAttribute('tabindex')).toBe('0');
    const second = screen.getByRole('button', { name: 'red 0.50' });
    await fireEvent.keyDown(second, { key: 'Enter' });
    expect(second.getAttribute('aria-pressed')).toBe('true');
    expect(crop).toHaveProperty('disabled', false);
    await fireEvent.click(crop);
    await waitFor(() => expect(calls(invoke, 'vision:export')).toHaveLength(1));
    expect(calls(invoke, 'vision:export')[0]).toEqual({
      path: PHOTO,
      kind: 'crop',
      prompts: ['red'],
      box: [300, 40, 400, 140],
    });
    await waitFor(() =>
      expect(screen.getByRole('region', { name: 'Exports' }).textContent).toContain(
        'Saved /photos/img-1.crop.png',
      ),
    );
  });

  it('sends the visible prompts and thresholds to vision:export and reveals the file in the desktop app', async () => {
    const { invoke } = await openInspector(
      {
        'vision:detect': detector({ red: RED, dog: [] }),
        'vision:segment': ({ prompts }) => masksAnswer(prompts),
        'vision:export': ({ kind }) => ({ path: `/photos/img-1.${kind}.png` }),
        'media:reveal': () => null,
      },
      { shell: 'electron' },
    );
    await addPrompt('red');
    await addPrompt('dog');
    await fireEvent.click(screen.getByRole('button', { name: 'Segment' }));
    await waitFor(() => expect(calls(invoke, 'vision:segment')).toHaveLength(1));
    expect(calls(invoke, 'vision:segment')[0]).toEqual({ path: PHOTO, prompts: ['red', 'dog'] });
    await fireEvent.input(screen.getByRole('slider', { name: 'Box threshold for red' }), {
      target: { value: '0.45' },
    });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Show dog' }));
    await fireEvent.click(screen.getByRole('button', { name: 'red' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Annotated PNG' }));
    await waitFor(() => expect(calls(invoke, 'vision:export')).toHaveLength(1));
    expect(calls(invoke, 'vision:export')[0]).toEqual({
      path: PHOTO,
      kind: 'annotated',
      prompts: ['red'],
      threshold: 0.45,
      masks: true,
      maskThreshold: 0.4,
    });

    await fireEvent.input(screen.getByRole('slider', { name: 'Mask threshold for red' }), {
      target: { value: '0.7' },
    });
    for (const [label, kind] of [
      ['Mask PNG', 'mask'],
      ['Cut-out', 'cutout'],
      ['Blur the rest', 'blur-rest'],
      ['Desaturate the rest', 'desaturate-rest'],
    ] as const) {
      await waitFor(() =>
        expect(screen.getByRole('button', { name: label })).toHaveProperty('disabled', false),
      );
      await fireEvent.click(screen.getByRole('button', { name: label }));
      await waitFor(() =>
        expect(calls(invoke, 'vision:export').at(-1)).toEqual({
          path: PHOTO,
          kind,
          prompts: ['red'],
          threshold: 0.7,
        }),
      );
    }
    const exports = screen.getByRole('region', { name: 'Exports' });
    // The lightbox has its own Reveal (the photo); this one reveals the written file.
    await fireEvent.click(
      await within(exports).findByRole('button', { name: 'Reveal in file manager' }),
    );
    expect(calls(invoke, 'media:reveal')).toEqual([{ path: '/photos/img-1.desaturate-rest.png' }]);
  });

  it('runs the lenses and shows their answers', async () => {
    const { invoke } = await openInspector({
      'lens:classify': ({ labels }) => ({
        path: PHOTO,
        candidates: labels.map((text, i) => ({
          text,
          cosine: 0.3 - i / 10,
          probability: i ? 0.2 : 0.8,
        })),
      }),
      'lens:describe': () => ({
        path: PHOTO,
        captions: [
          { text: 'a red car on a beach', cosine: 0.31, probability: 0.64, tags: ['red'] },
        ],
      }),
      'lens:ask': () => ({
        path: PHOTO,
        candidates: [
          { text: 'summer', cosine: 0.3, probability: 0.9 },
          { text: 'winter', cosine: 0.2, probability: 0.1 },
        ],
      }),
      'lens:score': ({ prompt }) => ({
        path: PHOTO,
        prompt: prompt ?? 'a red square',
        promptSource: prompt ? 'given' : 'PNG parameters',
        clipScore: 0.725,
        views: [],
      }),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Lenses' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Labels' }), {
      target: { value: 'cat, dog,' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Classify' }));
    const classes = await screen.findByRole('list', { name: 'Classes' });
    expect(calls(invoke, 'lens:classify')).toEqual([{ path: PHOTO, labels: ['cat', 'dog'] }]);
    expect(
      within(classes)
        .getAllByRole('listitem')
        .map((li) => li.textContent?.replace(/\s+/g, ' ').trim()),
    ).toEqual(['cat 80.0%', 'dog 20.0%']);

    await fireEvent.click(screen.getByRole('button', { name: 'Describe' }));
    expect((await screen.findByRole('list', { name: 'Captions' })).textContent).toContain(
      'a red car on a beach',
    );

    await fireEvent.input(screen.getByRole('textbox', { name: 'Question' }), {
      target: { value: 'Which season?' },
    });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Answers' }), {
      target: { value: 'winter, summer' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const ranked = await screen.findByRole('list', { name: 'Answers ranked' });
    expect(calls(invoke, 'lens:ask')).toEqual([
      { path: PHOTO, question: 'Which season?', answers: ['winter', 'summer'] },
    ]);
    expect(within(ranked).getAllByRole('listitem')[0]!.textContent).toContain('summer');

    await fireEvent.click(screen.getByRole('button', { name: 'Score' }));
    await waitFor(() => expect(screen.getByText(/CLIPScore/).textContent).toContain('0.725'));
    expect(screen.getByText(/CLIPScore/).textContent).toContain('from PNG parameters');
    expect(calls(invoke, 'lens:score')).toEqual([{ path: PHOTO }]);
  });
});

describe('box placement', () => {
  it('scales upright photo pixels by displayed / natural size', () => {
    expect(
      boxToDisplay([100, 50, 300, 250], { width: 1000, height: 500 }, { width: 500, height: 250 }),
    ).toEqual({
      x: 50,
      y: 25,
      width: 100,
      height: 100,
    });
    // Clamped to the photo: a box reaching past the edge ends at it.
    expect(
      boxToDisplay([-10, 0, 1200, 100], { width: 1000, height: 500 }, { width: 100, height: 50 }),
    ).toEqual({
      x: 0,
      y: 0,
      width: 100,
      height: 10,
    });
  });

  it('draws each box at its displayed place, in the portrait frame of a rotated photo', () => {
    installFakeBackend();
    const inspector = new InspectorState(PHOTO);
    inspector.prompts.push({
      text: 'red',
      colour: '#ff0000',
      visible: true,
      boxThreshold: null,
      maskThreshold: null,
    });
    inspector.detections.red = {
      model: 'toy-detect',
      width: 480,
      height: 640,
      threshold: 0.3,
      detections: [{ label: 'red', score: 0.9, box: [48, 64, 240, 640] }],
    };
    const { container } = render(BoxOverlay, {
      inspector,
      natural: { width: 480, height: 640 },
      displayed: { width: 240, height: 320 },
    });
    const rect = container.querySelector('rect.outline')!;
    expect(['x', 'y', 'width', 'height'].map((a) => Number(rect.getAttribute(a)))).toEqual([
      24, 32, 96, 288,
    ]);
    expect(rect.getAttribute('stroke')).toBe('#ff0000');
    expect(container.querySelector('text')?.textContent).toBe('red 0.90');
  });
});

describe('mask thresholding', () => {
  /** A w × h probability map as RGBA, grey values given row by row. */
  function map(values: number[]): Uint8ClampedArray {
    return new Uint8ClampedArray(values.flatMap((v) => [v, v, v, 255]));
  }
  const alpha = (rgba: Uint8ClampedArray) => [...rgba].filter((_, i) => i % 4 === 3);

  it('fills inside pixels translucently in the colour, outlines the edge, leaves the rest clear', () => {
    // 4 × 4: a 3 × 3 block of certainty in the top left, one faint pixel bottom right.
    const probability = map([255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0, 0, 0, 0, 60]);
    const out = thresholdMask(probability, 4, 4, 0.5, [10, 20, 30]);
    const F = MASK_FILL_ALPHA;
    const O = MASK_OUTLINE_ALPHA;
    expect(alpha(out)).toEqual([O, O, O, 0, O, F, O, 0, O, O, O, 0, 0, 0, 0, 0]);
    expect([...out.slice(20, 24)]).toEqual([10, 20, 30, F]);
    // A lower threshold takes the faint pixel in; the slider's value is all that changed.
    expect(drawnPixels(thresholdMask(probability, 4, 4, 0.2, [10, 20, 30]))).toBe(10);
    expect(drawnPixels(thresholdMask(probability, 4, 4, 1, [10, 20, 30]))).toBe(9);
    expect(drawnPixels(thresholdMask(probability, 4, 4, 0, [10, 20, 30]))).toBe(10);
  });
});
