// @file An esbuild plugin: every JavaScript file a build writes is left in ASCII.
import { readFileSync, writeFileSync } from 'node:fs';

// [Note: bundles in ASCII] esbuild escapes non-ASCII characters in strings and names but
// leaves them in the comments it keeps and in regular expressions (a `—` in a comment, the
// `¹²³` of Windows' reserved names). One such character and V8 holds the whole bundle as
// a two-byte string: twice the memory (3.5 MB for out/cli.cjs instead of 1.7) and slower
// to decode and scan (a cold search ~10 ms and ~3 MiB more; bin/run-bundle.js then also
// reads an ASCII bundle faster, [Note: reading the bundle as Latin-1]). Each is written
// as its \u escape, which means the same character in a comment, a string, a regular
// expression and a name; one right after a backslash would change meaning, so the build
// stops there instead. Source maps stay right except for columns after such a character
// on its own line.
export const asciiOutput = {
  name: 'ascii-output',
  setup(context) {
    context.initialOptions.metafile = true;
    context.onEnd((result) => {
      for (const file of Object.keys(result.metafile?.outputs ?? {})) {
        if (!/\.[cm]?js$/.test(file)) continue;
        const text = readFileSync(file, 'utf8');
        let escaped = '';
        let last = 0;
        for (let i = 0; i < text.length; i++) {
          const code = text.charCodeAt(i);
          if (code < 0x80) continue;
          if (text[i - 1] === '\\')
            throw new Error(`${file}: a non-ASCII character after a backslash at ${i}`);
          escaped += `${text.slice(last, i)}\\u${code.toString(16).padStart(4, '0')}`;
          last = i + 1;
        }
        if (last > 0) writeFileSync(file, escaped + text.slice(last));
      }
    });
  },
};
