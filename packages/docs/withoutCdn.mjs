// @ts-check
// `redocly build-docs` inlines everything but the "API docs by Redocly" logo, which the page loads
// from cdn.redoc.ly (Redocly/redoc#2141; no option turns it off). The page is served from the API
// itself and read on closed networks, so the logo becomes an inline image of the same wording:
// the attribution stays, and reading the docs tells no third party anything.
import { readFileSync, writeFileSync } from 'node:fs';

const page = process.argv[2];
if (!page) {
  console.error('usage: node withoutCdn.mjs <built page>');
  process.exit(2);
}
/** @param {number} width @param {string} text */
const wordmark = (width, text) =>
  `data:image/svg+xml,${encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="16" viewBox="0 0 ${width} 16">` +
      `<text x="0" y="12.5" font-family="system-ui, sans-serif" font-size="13" font-weight="600" fill="#5a6170">${text}</text></svg>`,
  )}`;
const html = readFileSync(page, 'utf8')
  .replaceAll('https://cdn.redoc.ly/redoc/logo-mini-full.svg', wordmark(56, 'Redocly'))
  .replaceAll('https://cdn.redoc.ly/redoc/logo-mini.svg', wordmark(12, 'R'));
const left = html.match(/https:\/\/cdn\.redoc\.ly\/[^`'"]*/g);
if (left) {
  console.error(`withoutCdn: the page still loads ${left.join(', ')}`);
  process.exit(1);
}
writeFileSync(page, html);
