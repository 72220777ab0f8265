/**
 * @file The timeline strip: matched scenes are buttons named by their times and score,
 * placed in proportion to the video's duration; clicking one selects and plays it; the
 * in and out handles are sliders that move with the keyboard and the pointer, always
 * inside the video and in order; "Set in/out to playhead" move the ends.
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Timeline from '../../renderer/src/components/video/Timeline.svelte';
import { makeScenes } from './fixtures.js';

function setup(over: { playhead?: number } = {}) {
  const onplay = vi.fn();
  const props = {
    duration: 60,
    // In time order, as the video stage passes them.
    scenes: makeScenes().sort((a, b) => a.start - b.start),
    playhead: over.playhead ?? 0,
    range: { start: 4, end: 9 },
    onplay,
  };
  const view = render(Timeline, props);
  const inPoint = screen.getByRole('slider', { name: 'In point' });
  const outPoint = screen.getByRole('slider', { name: 'Out point' });
  return { ...view, onplay, inPoint, outPoint };
}

const now = (slider: HTMLElement) => Number(slider.getAttribute('aria-valuenow'));

async function press(target: HTMLElement, key: string, times = 1, shiftKey = false) {
  for (let i = 0; i < times; i++) await fireEvent.keyDown(target, { key, shiftKey });
}

describe('Timeline', () => {
  it('draws each scene as a named button at its share of the duration', () => {
    setup();
    const group = screen.getByRole('group', { name: 'Matched scenes' });
    const first = screen.getByRole('button', { name: 'Scene 0:04–0:09, score 0.31' });
    const second = screen.getByRole('button', { name: 'Scene 0:30–0:45, score 0.34' });
    expect(group.contains(first)).toBe(true);
    // 4 s of 60 s starts at 6.67 %; 5 s long is 8.33 % wide.
    expect(parseFloat(first.style.left)).toBeCloseTo(6.667, 2);
    expect(parseFloat(first.style.width)).toBeCloseTo(8.333, 2);
    expect(parseFloat(second.style.left)).toBeCloseTo(50, 5);
    expect(parseFloat(second.style.width)).toBeCloseTo(25, 5);
    // The exact score is in the tooltip.
    expect(second.getAttribute('title')).toBe('0:30–0:45 — score 0.340');
  });

  it('plays a scene when it is clicked, and selects it', async () => {
    const { onplay, inPoint, outPoint } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Scene 0:30–0:45, score 0.34' }));
    expect(onplay).toHaveBeenCalledWith({ start: 30, end: 45 });
    expect(now(inPoint)).toBe(30);
    expect(now(outPoint)).toBe(45);
  });

  it('labels the handles as sliders with their limits and a readable time', () => {
    const { inPoint, outPoint } = setup();
    expect(inPoint.getAttribute('aria-valuemin')).toBe('0');
    expect(inPoint.getAttribute('aria-valuemax')).toBe('8.9');
    expect(inPoint.getAttribute('aria-valuetext')).toBe('0:04.0');
    expect(outPoint.getAttribute('aria-valuemin')).toBe('4.1');
    expect(outPoint.getAttribute('aria-valuemax')).toBe('60');
    expect(outPoint.getAttribute('aria-valuetext')).toBe('0:09.0');
    expect(inPoint.tabIndex).toBe(0);
  });

  it('moves the handles with the arrow keys: 0.1 s, or 1 s with Shift', async () => {
    const { inPoint, outPoint } = setup();
    await press(inPoint, 'ArrowRight');
    expect(now(inPoint)).toBe(4.1);
    await press(inPoint, 'ArrowRight', 1, true);
    expect(now(inPoint)).toBe(5.1);
    await press(inPoint, 'ArrowLeft', 3);
    expect(now(inPoint)).toBe(4.8);
    await press(outPoint, 'ArrowLeft', 2, true);
    expect(now(outPoint)).toBe(7);
  });

  it('keeps the handles inside the video and the in point before the out point', async () => {
    const { inPoint, outPoint } = setup();
    await press(inPoint, 'ArrowLeft', 6, true);
    expect(now(inPoint)).toBe(0);
    await press(inPoint, 'ArrowRight', 20, true);
    expect(now(inPoint)).toBe(8.9);
    expect(now(outPoint)).toBe(9);
    await press(outPoint, 'ArrowLeft', 5, true);
    expect(now(outPoint)).toBe(9);
    await press(outPoint, 'End');
    expect(now(outPoint)).toBe(60);
    await press(outPoint, 'ArrowRight', 3, true);
    expect(now(outPoint)).toBe(60);
    await press(inPoint, 'Home');
    expect(now(inPoint)).toBe(0);
    await press(outPoint, 'Home');
    expect(now(outPoint)).toBe(0.1);
    expect(now(inPoint)).toBeLessThan(now(outPoint));
  });

  it('follows the pointer while a handle is dragged, clamped and ordered', async () => {
    const { inPoint, outPoint } = setup();
    // jsdom has no layout: give the track 600 px, so 10 px is one second.
    const track = outPoint.parentElement as HTMLElement;
    track.getBoundingClientRect = () => DOMRect.fromRect({ x: 100, y: 0, width: 600, height: 28 });

    await fireEvent.pointerDown(outPoint, { button: 0, pointerId: 1, clientX: 190 });
    await fireEvent.pointerMove(window, { pointerId: 1, clientX: 400 });
    expect(now(outPoint)).toBe(30);
    await fireEvent.pointerMove(window, { pointerId: 1, clientX: 900 });
    expect(now(outPoint)).toBe(60);
    await fireEvent.pointerUp(window, { pointerId: 1, clientX: 900 });
    // Released: further movement does nothing.
    await fireEvent.pointerMove(window, { pointerId: 1, clientX: 300 });
    expect(now(outPoint)).toBe(60);

    await fireEvent.pointerDown(inPoint, { button: 0, pointerId: 2, clientX: 140 });
    await fireEvent.pointerMove(window, { pointerId: 2, clientX: 50 });
    expect(now(inPoint)).toBe(0);
    await fireEvent.pointerMove(window, { pointerId: 2, clientX: 1000 });
    expect(now(inPoint)).toBe(59.9);
    await fireEvent.pointerUp(window, { pointerId: 2 });
    expect(document.activeElement).toBe(inPoint);
  });

  it('sets the in and out points to the playhead', async () => {
    const { inPoint, outPoint, rerender } = setup({ playhead: 2.5 });
    await fireEvent.click(screen.getByRole('button', { name: 'Set in to playhead' }));
    expect(now(inPoint)).toBe(2.5);
    await rerender({ playhead: 20 });
    await fireEvent.click(screen.getByRole('button', { name: 'Set out to playhead' }));
    expect(now(outPoint)).toBe(20);
    // An in point past the out point takes the out point to the end of the video.
    await rerender({ playhead: 40 });
    await fireEvent.click(screen.getByRole('button', { name: 'Set in to playhead' }));
    expect(now(inPoint)).toBe(40);
    expect(now(outPoint)).toBe(60);
  });
});
