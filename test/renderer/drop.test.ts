/**
 * @file Dropping on the window: in the desktop app folders are added and an image
 * searches by example; in the browser shell, where drops carry no path, a hint says to
 * type the path instead.
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.svelte';
import { readDrop, type DroppedItem } from '../../renderer/src/lib/dropped-files.js';
import { installFakeBackend } from './fake-backend.js';

const item = (name: string, type: string, isDirectory: boolean): DroppedItem => ({
  kind: 'file',
  getAsFile: () => new File([], name, { type }),
  webkitGetAsEntry: () => ({ isDirectory }),
});

const electronPath = (file: File) => `/home/me/${file.name}`;

describe('readDrop', () => {
  it('sorts folders from images, with their paths', () => {
    const dropped = readDrop(
      [
        item('Pictures', '', true),
        item('ref.jpg', 'image/jpeg', false),
        item('a.txt', 'text/plain', false),
      ],
      electronPath,
    );
    expect(dropped).toEqual({
      folders: ['/home/me/Pictures'],
      images: ['/home/me/ref.jpg'],
      pathless: false,
    });
  });

  it('says when the shell gives no paths', () => {
    expect(readDrop([item('Pictures', '', true)], () => null)).toEqual({
      folders: [],
      images: [],
      pathless: true,
    });
  });
});

describe('dropping on the window in the browser shell', () => {
  it('shows a hint to type the folder path instead', async () => {
    installFakeBackend();
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    const dataTransfer = {
      types: ['Files'],
      items: [item('Pictures', '', true)],
      dropEffect: 'none',
    };
    await fireEvent.drop(window, { dataTransfer });
    expect(
      (await screen.findByText(/drag and drop cannot tell Lantern where a folder is/)).textContent,
    ).toContain('Folder path');
  });
});

describe('dropping on the window in the desktop app', () => {
  it('adds dropped folders to the library and follows the indexing job', async () => {
    const fake = installFakeBackend(
      {
        'library:addRoots': (input) => ({
          id: 'j9',
          kind: 'index',
          state: 'queued',
          label: input.paths.join(', '),
          progress: null,
          report: null,
          clips: null,
          error: null,
        }),
      },
      { shell: 'electron', pathForFile: electronPath },
    );
    render(App);
    await screen.findByRole('searchbox', { name: 'Search' });
    const dataTransfer = {
      types: ['Files'],
      items: [item('Pictures', '', true)],
      dropEffect: 'none',
    };
    await fireEvent.drop(window, { dataTransfer });
    expect(fake.invoke).toHaveBeenCalledWith('library:addRoots', { paths: ['/home/me/Pictures'] });
    expect(
      await screen.findByRole('progressbar', { name: 'Indexing /home/me/Pictures' }),
    ).toBeTruthy();
  });
});
