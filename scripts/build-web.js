// Bundles web/src/{cockpit,customer,admin,join,chat}/main.ts with esbuild into dist/public/assets/ (content-hashed
// names, so the node can cache them for a year) and writes the HTML pages that load them.
// Called by scripts/build-web.sh, which typechecks first and skips the work when nothing changed.
const { build } = require('esbuild');
const { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } = require('node:fs');
const { basename, join, resolve } = require('node:path');
const { gzipSync } = require('node:zlib');

const root = resolve(__dirname, '..');
const out = resolve(root, process.argv[2] || 'dist/public');
const pages = [
  { entry: 'cockpit', html: 'index.html', title: 'Tandem cockpit' },
  { entry: 'customer', html: 'customer.html', title: 'Tandem remote assistance' },
  { entry: 'admin', html: 'admin.html', title: 'Tandem admin' },
  { entry: 'join', html: 'join.html', title: 'Tandem · join a session' },
  { entry: 'chat', html: 'chat.html', title: 'Tandem · chat with support' },
];

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(pages.map((p) => [p.entry, `web/src/${p.entry}/main.ts`])),
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    outdir: join(out, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const template = readFileSync(join(root, 'web/page.html'), 'utf8');
  for (const page of pages) {
    const [js, meta] = Object.entries(result.metafile.outputs).find(([, m]) => m.entryPoint === `web/src/${page.entry}/main.ts`);
    const css = meta.cssBundle;
    const html = template
      .replaceAll('{{title}}', page.title)
      .replaceAll('{{page}}', page.entry)
      .replace('{{style}}', css ? `<link rel="stylesheet" href="/assets/${basename(css)}">` : '')
      .replace('{{script}}', `<script type="module" src="/assets/${basename(js)}"></script>`);
    writeFileSync(join(out, page.html), html);
  }
  writeFileSync(join(out, 'assets', 'favicon.svg'), readFileSync(join(root, 'web/favicon.svg')));
  let raw = 0;
  let gz = 0;
  for (const f of readdirSync(join(out, 'assets'))) {
    const bytes = readFileSync(join(out, 'assets', f));
    raw += statSync(join(out, 'assets', f)).size;
    gz += gzipSync(bytes).length;
  }
  process.stderr.write(`setup: web bundle ${(raw / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped) in ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`setup: web build failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
