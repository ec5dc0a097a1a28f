// @ts-check
// The built page names the contract's first server (the one `npm start` runs) in its Servers box
// and its curl samples. Served by the API itself, at <base>/docs, the page is better off naming
// that API: a script in the page, run before Redoc renders, puts `location`'s origin (and any
// path before /docs, behind a proxy) first among the servers, in place of the contract's
// `{origin}` entry, and into the samples. Opened as a file, or hosted anywhere but at .../docs,
// the page shows what the contract says.
//
// The script is part of Redoc's own inline module script, so the server's Content-Security-Policy
// for /docs (inline scripts allowed by their hashes, computed from this file) covers it as it is.
// Long lines in code samples wrap instead of running off the panel: Redoc's code blocks take
// their white-space from --code-wrap (`pre` by default), set here in an inline style.
import { readFileSync, writeFileSync } from 'node:fs';

const page = process.argv[2];
if (!page) {
  console.error('usage: node sameOrigin.mjs <built page>');
  process.exit(2);
}

const render = "hydrate(__redoc_definition, __redoc_options, document.getElementById('redoc'));";
const sameOrigin = `{
        // packages/docs/sameOrigin.mjs: served by the API itself, show its origin. Only plain
        // path segments before /docs: the prefix goes into shell samples, where a path like
        // /x;$(cmd)/docs, which browsers leave unencoded, would become a command.
        const served =
          /^https?:$/.test(location.protocol) && location.pathname.match(/^((?:\\/[A-Za-z0-9._~-]+)*)\\/docs\\/?$/);
        const named = __redoc_definition.servers?.[0]?.url;
        const here = served ? location.origin + served[1] : undefined;
        if (here && named && here !== named) {
          __redoc_definition.servers = [
            { url: here, description: 'This server, which serves these docs' },
            // Not the {origin} entry: this page knows its origin.
            ...__redoc_definition.servers.filter((server) => server.url !== here && !server.url.includes('{')),
          ];
          for (const item of Object.values(__redoc_definition.paths ?? {})) {
            for (const operation of Object.values(item ?? {})) {
              for (const sample of operation?.['x-codeSamples'] ?? []) {
                if (typeof sample.source === 'string') {
                  sample.source = sample.source.replaceAll(named, here);
                }
              }
            }
          }
          // The prerendered page shows the other origin: render it afresh rather than hydrate it.
          document.getElementById('redoc')?.replaceChildren();
        }
      }
      `;
const wrap =
  '<style>/* packages/docs/sameOrigin.mjs: long sample lines wrap */' +
  'html:root{--code-wrap:pre-wrap}' +
  '[data-component-name="CodeBlock/CodeBlockContainer"]{overflow-wrap:anywhere}</style>';

let html = readFileSync(page, 'utf8');
const renders = html.split(render).length - 1;
if (renders !== 1 || !html.includes('</head>')) {
  console.error(`sameOrigin: expected Redoc's render call once and a </head>, found the call ${renders} times`);
  process.exit(1);
}
html = html.replace(render, () => sameOrigin + render).replace('</head>', () => `${wrap}</head>`);
writeFileSync(page, html);
