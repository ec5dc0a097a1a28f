import { describe, expect, it } from 'vitest';
import { readContractDocument } from './document.js';
import { patternMessages } from './patternMessages.js';

const document = readContractDocument();

describe('patternMessages', () => {
  it('words every pattern of the contract for people, none as its regular expression', () => {
    const messages = patternMessages(document);
    expect(messages.get('^[a-z][a-z0-9]{0,15}$')).toBe(
      'must be 1-16 lower-case letters and digits, starting with a letter',
    );
    for (const message of messages.values()) {
      expect(message).toMatch(/^must [^\\^$]+$/);
    }
  });

  it('fails at start, naming the pattern, when one has no message', () => {
    const broken = structuredClone(document);
    broken.components!.schemas!.KeyName = { type: 'string', pattern: '^[a-z]+$' };
    expect(() => patternMessages(broken)).toThrow(
      "The contract's pattern ^[a-z]+$ has no message in x-pattern-messages",
    );
  });
});
