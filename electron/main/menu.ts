/**
 * @file The application menu (main process): standard roles only, so every platform
 * gets its native items and shortcuts (copy/paste in the search box, zoom, full screen,
 * quit). Reloading and developer tools are for development builds only: a reload would
 * drop the renderer's state while the engine keeps running.
 */
import type { MenuItemConstructorOptions } from 'electron';

export function menuTemplate(
  platform: NodeJS.Platform,
  packaged: boolean,
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const development: MenuItemConstructorOptions[] = packaged
    ? []
    : [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
      ];
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...development,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    ...(mac ? [] : [{ role: 'help' as const, submenu: [{ role: 'about' as const }] }]),
  ];
}
