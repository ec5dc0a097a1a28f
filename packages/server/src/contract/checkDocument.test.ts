import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkContractDocument } from './checkDocument.js';

const contractFile = createRequire(import.meta.url).resolve('@apikeys/types/openapi.json');
const dir = mkdtempSync(join(tmpdir(), 'apikeys-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CREATE = '/api-auth/apps/{appName}/keys';

/** A copy of the bundled contract with one thing broken. */
// biome-ignore lint/suspicious/noExplicitAny: a document to break
function brokenCopy(name: string, breakIt: (document: any) => void): string {
  const document = JSON.parse(readFileSync(contractFile, 'utf8'));
  breakIt(document);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  return file;
}

describe('checkContractDocument', () => {
  it('passes the bundled contract without listening on a port', async () => {
    const listen = vi.spyOn(Server.prototype, 'listen');
    try {
      await expect(checkContractDocument(contractFile)).resolves.toBeUndefined();
      expect(listen).not.toHaveBeenCalled();
    } finally {
      listen.mockRestore();
    }
  });

  it('refuses a $ref to nothing, with the missing pointer', async () => {
    const file = brokenCopy('bad-ref', (document) => {
      document.paths[CREATE].post.requestBody.content['application/json'].schema = {
        $ref: '#/components/schemas/Nope',
      };
    });
    await expect(checkContractDocument(file)).rejects.toThrow(
      /could not be loaded \(.*\): Missing \$ref pointer "#\/components\/schemas\/Nope"/,
    );
  });

  it('refuses a document the OpenAPI schema refuses, naming what is wrong', async () => {
    const noInfo = brokenCopy('no-info', (document) => {
      delete document.info;
    });
    await expect(checkContractDocument(noInfo)).rejects.toThrow(
      /args\.apiDoc was invalid[\s\S]*must have required property 'info'/,
    );
    const bodyParameter = brokenCopy('body-parameter', (document) => {
      document.paths[CREATE].post.parameters[0].in = 'body';
    });
    await expect(checkContractDocument(bodyParameter)).rejects.toThrow(
      /\/paths\/~1api-auth~1apps~1\{appName\}~1keys\/post\/parameters\/0\/in must be equal to one of the allowed values/,
    );
  });

  it('refuses a file that is not there', async () => {
    await expect(checkContractDocument(join(dir, 'missing.json'))).rejects.toThrow(/spec could not be read/);
  });

  // What eov 5.6.2 lets through, so that nobody counts on this check for it: in OpenAPI 3.1 an
  // operation's `responses` is optional, and eov does not check schemas against JSON Schema's
  // meta-schema.
  it('passes what express-openapi-validator 5.6.2 passes: an operation without responses', async () => {
    const file = brokenCopy('no-responses', (document) => {
      delete document.paths[CREATE].post.responses;
    });
    await expect(checkContractDocument(file)).resolves.toBeUndefined();
  });
});
