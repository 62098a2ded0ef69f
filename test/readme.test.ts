import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's shell examples are meant to be pasted: headers must be plain ASCII (HTTP refuses anything else)
// and every JSON body must parse.
const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
const shellBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe('the README examples', () => {
  it('send only ASCII headers', () => {
    const headers = shellBlocks.flatMap((block) => [...block.matchAll(/-H\s+(['"])(.*?)\1/g)].map((match) => match[2]!));
    expect(headers.length).toBeGreaterThan(5);
    for (const header of headers) expect(header, header).toMatch(/^[\x20-\x7e]+$/);
  });

  it('send JSON bodies that parse', () => {
    const bodies = shellBlocks.flatMap((block) => [...block.matchAll(/-d\s+'([\s\S]*?)'/g)].map((match) => match[1]!));
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(() => JSON.parse(body), body).not.toThrow();
  });
});
