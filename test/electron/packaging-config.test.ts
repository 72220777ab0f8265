/**
 * @file electron-builder.yml's Electron fuses (docs/packaging.md, "Electron fuses"): read
 * and validated by electron-builder's own loader, as `npm run dist` reads it, so a fuse
 * dropped, flipped or misspelt fails here rather than silently in a release.
 */
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import { describe, expect, it } from 'vitest';

describe('electron-builder.yml', () => {
  it('sets every hardening fuse, and electron-builder accepts the configuration', async () => {
    const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    // The integrity check covers app.asar only: the app must be packed into one.
    expect(config.asar).toBe(true);
  });
});
