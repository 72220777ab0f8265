/**
 * @file The Duplicates view against a fake backend: groups shown side by side with their
 * facts and the suggested keeper's reason; the slider starting at the engine's threshold and
 * sent once moved; changing the keeper (button and K) changes what goes to the trash; no
 * `duplicates:trash` call until the confirmation is accepted, and the outcome (trashed and
 * failed with reasons) shown, a group left with one photo gone; Cancel calling
 * `duplicates:cancel`; the empty state; ↑/↓ and Delete on the groups.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type {
  DuplicateAnswer,
  DuplicateFile,
  TrashAnswer,
} from '../../electron/shared/channels-duplicates.js';
import type { ChannelInput } from '../../electron/shared/contract.js';
import App from '../../renderer/src/App.svelte';
import { CodedError, installFakeBackend, type Handlers } from './fake-backend.js';

function file(name: string, over: Partial<DuplicateFile> = {}): DuplicateFile {
  return {
    path: `/photos/${name}`,
    size: 2_400_000,
    width: 4000,
    height: 3000,
    takenAt: Date.UTC(2024, 5, 1, 12),
    mtime: Date.UTC(2024, 5, 2),
    sharpness: 1,
    ...over,
  };
}

const ANSWER: DuplicateAnswer = {
  threshold: 0.93,
  scanned: 40,
  groups: [
    {
      similarity: 0.981,
      paths: ['/photos/beach.jpg', '/photos/beach-small.jpg'],
      files: [
        file('beach.jpg'),
        file('beach-small.jpg', { size: 310_000, width: 800, height: 600 }),
      ],
      keeper: '/photos/beach.jpg',
      keeperReason: 'largest',
    },
    {
      similarity: 0.955,
      paths: ['/photos/dog-1.jpg', '/photos/dog-2.jpg', '/photos/dog-3.jpg'],
      files: [file('dog-1.jpg'), file('dog-2.jpg', { takenAt: null }), file('dog-3.jpg')],
      keeper: '/photos/dog-1.jpg',
      keeperReason: 'sharpest',
    },
  ],
};

function fakeDuplicates(
  answer: DuplicateAnswer = ANSWER,
  trashed?: (paths: string[]) => TrashAnswer,
) {
  const finds: ChannelInput<'duplicates:find'>[] = [];
  const trashes: string[][] = [];
  let cancels = 0;
  const handlers: Handlers = {
    'duplicates:find': (input) => {
      finds.push(input);
      return structuredClone(answer);
    },
    'duplicates:trash': ({ paths }) => {
      trashes.push(paths);
      return trashed ? trashed(paths) : { trashed: paths, failed: [] };
    },
    'duplicates:cancel': () => {
      cancels += 1;
      return null;
    },
  };
  return { handlers, finds, trashes, cancels: () => cancels };
}

async function openAndFind() {
  await fireEvent.click(await screen.findByRole('button', { name: 'Duplicates' }));
  await fireEvent.click(screen.getByRole('button', { name: 'Find duplicates' }));
  return screen.findByRole('region', { name: 'Duplicate groups' });
}

const group = (list: HTMLElement, n: number) =>
  within(list).getByRole('article', { name: new RegExp(`^Group ${n}:`) });

describe('the Duplicates view', () => {
  it('shows each group side by side with sizes, resolutions, dates and the suggested keeper', async () => {
    const fake = fakeDuplicates();
    installFakeBackend(fake.handlers);
    render(App);
    const list = await openAndFind();
    // No threshold chosen: the engine uses its own, which the slider then shows.
    expect(fake.finds).toEqual([{}]);
    expect(screen.getByRole<HTMLInputElement>('slider').value).toBe('0.93');

    const beach = group(list, 1);
    expect(beach.getAttribute('aria-labelledby')).toBeTruthy();
    expect(within(beach).getByRole('heading').textContent).toMatch(
      /2 photos, at least 98\.1% alike/,
    );
    expect(within(beach).getByRole('button', { name: 'beach.jpg, keeper' })).toBeTruthy();
    expect(within(beach).getByText('Keeper — largest')).toBeTruthy();
    expect(within(beach).getByText('2.4 MB')).toBeTruthy();
    expect(within(beach).getByText('310 KB')).toBeTruthy();
    expect(within(beach).getByText('800 × 600')).toBeTruthy();
    // The thumbnail goes through the shell's media URL, like the result grid's.
    const img = beach.querySelector('img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe(`/media?path=${encodeURIComponent('/photos/beach.jpg')}`);

    const dogs = group(list, 2);
    expect(
      within(dogs)
        .getAllByRole('listitem')
        .filter((li) => li.querySelector('.thumb')),
    ).toHaveLength(3);
    expect(within(dogs).getByText(/^Modified /)).toBeTruthy();
    expect(within(dogs).getByText('Keeper — sharpest')).toBeTruthy();
  });

  it('sends the similarity once the slider moves, and the folder when one is given', async () => {
    const fake = fakeDuplicates();
    installFakeBackend(fake.handlers);
    render(App);
    await openAndFind();
    await fireEvent.input(screen.getByRole('slider'), { target: { value: '0.97' } });
    await fireEvent.input(screen.getByPlaceholderText('Whole library'), {
      target: { value: '/photos/2024' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Find duplicates' }));
    await waitFor(() => expect(fake.finds).toHaveLength(2));
    expect(fake.finds[1]?.folder).toBe('/photos/2024');
    expect(fake.finds[1]?.threshold).toBeCloseTo(0.97, 6);
  });

  it('asks before trashing, trashes nothing on Cancel, and the chosen keeper stays', async () => {
    const fake = fakeDuplicates();
    const backend = installFakeBackend(fake.handlers);
    const statusReads = () =>
      backend.invoke.mock.calls.filter(([channel]) => channel === 'library:status').length;
    render(App);
    const list = await openAndFind();
    const beach = group(list, 1);

    // The person prefers the small copy.
    await fireEvent.click(within(beach).getByRole('button', { name: 'Keep this one' }));
    expect(within(beach).getByRole('button', { name: 'beach-small.jpg, keeper' })).toBeTruthy();
    expect(within(beach).getByText('Keeper — your choice')).toBeTruthy();

    await fireEvent.click(within(beach).getByRole('button', { name: 'Move others to trash' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Move 1 file to the trash?' });
    expect(dialog.textContent).toMatch(/1 file\s+goes to the system trash/);
    expect(dialog.textContent).toMatch(/restore\s+it from the trash/);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.trashes).toEqual([]);

    await fireEvent.click(within(beach).getByRole('button', { name: 'Move others to trash' }));
    const readsBefore = statusReads();
    await fireEvent.click(
      within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Move to trash' }),
    );
    await waitFor(() => expect(fake.trashes).toEqual([['/photos/beach.jpg']]));
    // The group is down to one photo: no longer a group.
    await waitFor(() => expect(within(list).queryByRole('article', { name: /beach/ })).toBeNull());
    expect(within(list).getAllByRole('article')).toHaveLength(1);
    expect(screen.getByText(/Moved 1 file to the system trash/)).toBeTruthy();
    // The file left the library: the status bar's counts are read again.
    await waitFor(() => expect(statusReads()).toBe(readsBefore + 1));
  });

  it('trashes the others of every group after one confirmation, and says what failed and why', async () => {
    const fake = fakeDuplicates(ANSWER, (paths) => ({
      trashed: paths.filter((p) => p !== '/photos/dog-3.jpg'),
      failed: [{ path: '/photos/dog-3.jpg', message: 'The file is read-only.' }],
    }));
    installFakeBackend(fake.handlers);
    render(App);
    const list = await openAndFind();
    await fireEvent.click(
      screen.getByRole('button', { name: 'Move others to trash in all groups' }),
    );
    const dialog = await screen.findByRole('alertdialog', { name: 'Move 3 files to the trash?' });
    expect(dialog.textContent).toMatch(/3 files\s+from 2 groups\s+go to the system trash/);
    expect(fake.trashes).toEqual([]);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Move to trash' }));
    await waitFor(() =>
      expect(fake.trashes).toEqual([
        ['/photos/beach-small.jpg', '/photos/dog-2.jpg', '/photos/dog-3.jpg'],
      ]),
    );
    await screen.findByText(/Moved 2 files to the system trash/);
    const outcome = screen.getByText(/left where they are/).parentElement as HTMLElement;
    expect(within(outcome).getByRole('listitem').textContent).toBe(
      'dog-3.jpg: The file is read-only.',
    );
    // The dog that could not move still has its keeper: that group stays.
    await waitFor(() => expect(within(list).getAllByRole('article')).toHaveLength(1));
    expect(within(group(list, 1)).getByRole('heading').textContent).toMatch(/2 photos/);
  });

  it('moves between groups with the arrows, marks the keeper with K and asks on Delete', async () => {
    const fake = fakeDuplicates();
    installFakeBackend(fake.handlers);
    render(App);
    const list = await openAndFind();
    const first = within(group(list, 1)).getByRole('button', { name: 'beach.jpg, keeper' });
    first.focus();
    await fireEvent.keyDown(first, { key: 'ArrowDown' });
    const dogs = group(list, 2);
    await waitFor(() =>
      expect(document.activeElement?.getAttribute('aria-label')).toBe('dog-1.jpg, keeper'),
    );
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'ArrowRight' });
    await waitFor(() =>
      expect(document.activeElement?.getAttribute('aria-label')).toBe('dog-2.jpg'),
    );
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'k' });
    expect(within(dogs).getByRole('button', { name: 'dog-2.jpg, keeper' })).toBeTruthy();
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'Delete' });
    const dialog = await screen.findByRole('alertdialog', { name: 'Move 2 files to the trash?' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Move to trash' }));
    await waitFor(() => expect(fake.trashes).toEqual([['/photos/dog-1.jpg', '/photos/dog-3.jpg']]));
    // The dogs are down to their keeper, so their group went, and focus with it: it lands
    // on the group that is left, in the same column, where the arrows keep working.
    await waitFor(() => expect(within(list).getAllByRole('article')).toHaveLength(1));
    await waitFor(() =>
      expect(document.activeElement?.getAttribute('aria-label')).toBe('beach-small.jpg'),
    );
  });

  it('shows progress while finding, and Cancel calls duplicates:cancel', async () => {
    let fail: ((error: Error) => void) | undefined;
    const fake = fakeDuplicates();
    const backend = installFakeBackend({
      ...fake.handlers,
      'duplicates:find': () =>
        new Promise<DuplicateAnswer>((_, reject) => {
          fail = reject;
        }),
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Duplicates' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Find duplicates' }));
    await waitFor(() => expect(fail).toBeDefined());
    backend.emit('duplicates:progress', { done: 12, total: 40 });
    expect(await screen.findByText('Compared 12 of 40 photos')).toBeTruthy();
    const bar = screen.getByLabelText<HTMLProgressElement>('Comparing photos');
    expect(bar.value).toBe(12);
    expect(fake.cancels()).toBe(0);
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(fake.cancels()).toBe(1));
    fail?.(new CodedError('CANCELLED', 'Stopped.'));
    expect(await screen.findByText('Stopped. Nothing was changed.')).toBeTruthy();
    expect(screen.queryByLabelText('Comparing photos')).toBeNull();
  });

  it('says so when nothing is alike at this similarity', async () => {
    installFakeBackend(fakeDuplicates({ threshold: 0.93, scanned: 12, groups: [] }).handlers);
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Duplicates' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Find duplicates' }));
    expect(
      (await screen.findByText(/No near-duplicates at this similarity\./)).textContent,
    ).toMatch(/12 photos compared/);
  });
});
