import { z } from 'zod';

// What an id chosen by the caller (customerId, resourceId) may contain. Ids are compared exactly, byte for byte,
// so anything that could make two ids look alike, or an id look different from what is stored, is refused:
// whitespace, control and invisible format characters (zero-width joiners, bidi marks), unassigned code points,
// the characters that break URLs ("/", "?", "#", "%", "\"), and text not in Unicode NFC form (an "é" typed as
// "e" + combining accent). Refused, never normalised silently: what the caller sent is what is stored.
const FORBIDDEN = /[\s/?#%\\\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

export function identifierProblem(id: string): string | undefined {
  if (FORBIDDEN.test(id)) return 'must not contain spaces, control or invisible characters, "/", "?", "#", "%" or "\\"';
  if (id.normalize('NFC') !== id) return 'must be in Unicode NFC form (compose accents, e.g. "é" as U+00E9)';
  return undefined;
}

export function identifierSchema(maxLength = 255) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .superRefine((id, context) => {
      const problem = identifierProblem(id);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });
}
