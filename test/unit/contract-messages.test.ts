/**
 * @file Every message a person can meet from the contract is a sentence about their files
 * or their choice, never a channel name or a schema path (`library:addRoots: paths.0`).
 */
import { describe, expect, it } from 'vitest';
import { parseInput, type Channel } from '../../electron/shared/contract.js';

function message(channel: Channel, input: unknown): string {
  const result = parseInput(channel, input);
  if (result.ok) throw new Error(`${channel} accepted ${JSON.stringify(input)}`);
  expect(result.error.code).toBe('INVALID_INPUT');
  return result.error.message;
}

describe('contract messages', () => {
  it('names a folder typed by hand as a folder, with what a full path looks like', () => {
    expect(message('library:addRoots', { paths: ['photos'] })).toBe(
      process.platform === 'win32'
        ? 'Each folder must be a full path (like C:\\Photos).'
        : 'Each folder must be a full path (it starts with /).',
    );
    expect(message('library:addRoots', { paths: [] })).toBe('The list of folders cannot be empty.');
    expect(message('library:addRoots', {})).toBe('The list of folders is missing.');
    // Elsewhere `paths` are files.
    expect(message('duplicates:trash', { paths: [] })).toBe('The list of files cannot be empty.');
    expect(message('tags:ofFiles', { paths: ['a.jpg'] })).toMatch(/^Each file must be a full path/);
  });

  it('words each kind of problem as a sentence about the field', () => {
    expect(message('search:query', { query: '   ' })).toBe('The search cannot be empty.');
    expect(message('search:query', { query: 'x', limit: 0 })).toBe(
      'The number of results must be at least 1.',
    );
    expect(message('search:query', { query: 'x', kind: 'audio' })).toBe(
      'The kind of file must be one of "image", "video".',
    );
    expect(message('search:query', { query: 'x', from: 'yesterday' })).toBe(
      'The start date must be a number.',
    );
    expect(message('settings:set', { thumbnailSize: 5000 })).toBe(
      'The thumbnail size must be at most 1024.',
    );
    expect(
      message('clip:export', {
        path: '/v.mp4',
        ranges: [{ start: 5, end: 2 }],
        mode: 'fast',
        outDir: '/out',
      }),
    ).toBe('Each range must end after it starts.');
    expect(message('app:info', 42)).toBe('This request must be a set of fields.');
  });

  it('never shows a channel name or a schema path', () => {
    const cases: [Channel, unknown][] = [
      ['library:addRoots', { paths: ['relative', '/ok'] }],
      ['library:addRoots', { paths: ['/a\0b'] }],
      ['search:query', { query: '' }],
      ['search:similar', { path: 'x.jpg' }],
      [
        'clip:export',
        { path: '/v.mp4', ranges: [{ start: -1, end: 2 }], mode: 'fast', outDir: '/o' },
      ],
      ['models:fetch', { id: '' }],
      ['app:info', { surprise: 1 }],
    ];
    for (const [channel, input] of cases) {
      const text = message(channel, input);
      expect(text).not.toContain(channel);
      expect(text).not.toMatch(/\w\.\d|Invalid input/);
      expect(text).toMatch(/^[A-Z"].*\.$/);
    }
  });
});
