import { parse, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';
import { exceededYamlLimit } from './yamlStructure';

export type ParsedYaml = { ok: true; value: unknown } | { ok: false; message: string };

// Every resource bound the yaml package offers, for text from an untrusted caller.
export const YAML_PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions = {
  // Each anchor may be used this many times (weighted by the aliases inside it): no exponential expansion.
  maxAliasCount: 100,
  // Pretty errors quote the source around the fault, and on hostile input that formatting alone exhausts memory.
  prettyErrors: false,
  // Warnings (unknown tags, …) would otherwise be printed once each, however many the text holds.
  logLevel: 'error',
};

// A catalog uses a handful of aliases; each one costs the parser a scan of all anchors and aliases before it.
export const MAX_YAML_ALIASES = 1_000;

// Refuses, before any parsing, a text the parser would spend seconds on: too deep, or too many aliases.
export function screenYamlText(text: string, maxDepth: number): ParsedYaml | undefined {
  const exceeded = exceededYamlLimit(text, { maxDepth, maxAliases: MAX_YAML_ALIASES });
  if (exceeded === 'depth') return { ok: false, message: `nests deeper than ${maxDepth} levels` };
  if (exceeded === 'aliases') return { ok: false, message: `uses more than ${MAX_YAML_ALIASES} aliases (*name)` };
  return undefined;
}

// A parser failure as the caller should read it: where, and what, in a bounded number of characters.
export function describeYamlFailure(text: string, failure: { message: string; pos?: [number, number] }, maxDepth: number): ParsedYaml {
  // Deep block indentation can still exhaust the parser's recursion: that is nesting, not a syntax error.
  if (/call stack/i.test(failure.message)) return { ok: false, message: `nests deeper than ${maxDepth} levels` };
  const where = failure.pos ? ` at ${lineAndColumn(text, failure.pos[0])}` : '';
  return { ok: false, message: `not valid YAML or JSON${where}: ${clip(failure.message)}` };
}

// Parses YAML (or JSON, its subset) on the calling thread: for files the operator provides.
export function parseYamlText(text: string, maxDepth: number): ParsedYaml {
  const refused = screenYamlText(text, maxDepth);
  if (refused) return refused;
  try {
    return { ok: true, value: parse(text, YAML_PARSE_OPTIONS) };
  } catch (error) {
    return describeYamlFailure(text, error as Error & { pos?: [number, number] }, maxDepth);
  }
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

// Parser messages may quote the input (an alias name, a token); an error answer stays small whatever it quotes.
const clip = (message: string) => (message.length > 200 ? `${message.slice(0, 200)}…` : message);
