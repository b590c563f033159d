// After the bundler: a gzip and a brotli sibling of every text file of the build, which accordd
// answers when the browser accepts them (docs/web.md). Node's own zlib does both.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const out = process.env.ACCORD_WEB_OUT || 'dist';
const text = /\.(html|js|mjs|css|svg|json|txt|map)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (text.test(name)) yield path;
  }
}

let raw = 0, br = 0;
for (const path of files(out)) {
  const body = readFileSync(path);
  const b = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11,
                                                 [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  writeFileSync(path + '.br', b);
  writeFileSync(path + '.gz', gzipSync(body, { level: 9 }));
  raw += body.length;
  br += b.length;
}
console.log(`compress: ${(raw / 1024).toFixed(0)} KiB of text, ${(br / 1024).toFixed(0)} KiB as brotli`);
