/**
 * @file What each card of the model picker says about its model: languages (English, or
 * the main ones of a multilingual model), quality, the speed measured on this computer
 * (or "not measured yet", honestly, for an installed model never timed here), download
 * size and licence. Against a fake backend, as a new user meets the first-run page.
 */
import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../electron/shared/contract.js';
import App from '../../renderer/src/App.svelte';
import { installFakeBackend, readyInfo, settings, status } from './fake-backend.js';
import { modelSummary } from './fixtures.js';

const b32 = modelSummary({
  installed: true,
  quality: 'baseline: the model most CLIP tools default to',
  measuredSpeed: {
    imagesPerSecond: 23.4,
    textMs: 12.6,
    provider: 'cpu',
    measuredAt: '2026-01-01T00:00:00.000Z',
  },
});

const siglip: ModelSummary = modelSummary({
  id: 'siglip-vit-b16',
  name: 'SigLIP ViT-B/16',
  installed: true,
  license: 'Apache-2.0',
  sizeBytes: null,
  approxSizeBytes: 812_000_000,
  quality: 'higher than CLIP ViT-B/32',
  verified: false,
});

const multilingual: ModelSummary = modelSummary({
  id: 'siglip-vit-b16-i18n',
  name: 'SigLIP ViT-B/16 multilingual',
  license: 'Apache-2.0',
  sizeBytes: null,
  approxSizeBytes: 1_500_000_000,
  languages: ['multilingual', 'en', 'de', 'fr', 'es', 'it', 'pt', 'nl'],
  verified: false,
});

function picker() {
  installFakeBackend({
    'app:info': () => ({ ...readyInfo, ready: false, model: null, notReadyReason: 'Choose.' }),
    'settings:get': () => ({ ...settings, model: null }),
    'library:status': () => ({ ...status, roots: [], images: 0, failed: 0 }),
    'library:failures': () => [],
    'models:list': () => [b32, siglip, multilingual],
  });
  render(App);
}

/** The card's facts as label → value, read from its description list. */
async function factsOf(name: string): Promise<Record<string, string>> {
  const card = (await screen.findByRole('heading', { name })).closest('li') as HTMLElement;
  const facts: Record<string, string> = {};
  for (const term of within(card).getAllByRole('term')) {
    facts[term.textContent.trim()] = term.nextElementSibling?.textContent.trim() ?? '';
  }
  return facts;
}

describe('Model picker rows', () => {
  it('shows the measured speed, languages, quality, download size and licence of a timed model', async () => {
    picker();
    const facts = await factsOf('CLIP ViT-B/32');
    expect(facts['Languages']).toBe('English');
    expect(facts['Speed on this computer']).toBe('23 images/s, a search 13 ms (cpu)');
    expect(facts['Quality']).toBe('baseline: the model most CLIP tools default to');
    expect(facts['Download']).toBe('605 MB');
    expect(facts['Licence']).toBe('MIT');
  });

  it('says "not measured yet" for an installed model never timed here, and gives its rough size', async () => {
    picker();
    const facts = await factsOf('SigLIP ViT-B/16');
    expect(facts['Speed on this computer']).toBe('— not measured yet');
    expect(facts['Download']).toBe('about 812 MB');
    expect(facts['Licence']).toBe('Apache-2.0');
  });

  it('names the main languages of a multilingual model and leaves its speed to after the download', async () => {
    picker();
    const facts = await factsOf('SigLIP ViT-B/16 multilingual');
    expect(facts['Languages']).toBe('Many languages: en, de, fr, es, it, …');
    expect(facts['Speed on this computer']).toBe('— measured after download');
  });
});
