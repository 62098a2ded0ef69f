export type YamlStructureLimits = { maxDepth: number; maxAliases: number };

// Reads a YAML text once, without parsing it, for what makes the yaml package slow: nesting (tens of microseconds
// per level, then a stack overflow while composing) and aliases (each one scans every anchor and alias before it).
// Returns which limit the text exceeds. Nesting is counted from below (flow brackets and compact "- - x" entries).
export function exceededYamlLimit(text: string, { maxDepth, maxAliases }: YamlStructureLimits): 'depth' | 'aliases' | undefined {
  let aliases = 0;
  let flowDepth = 0;
  let blockEntries = 0; // compact block entries on the current line ("- - x"), each a nesting level
  let atValueStart = true; // where a quoted scalar, a flow collection or a block indicator may begin
  let lineIndent = 0;
  let blockScalarIndent: number | undefined; // inside a literal (|) or folded (>) scalar: its lines are text
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\n' || char === '\r') {
      index++;
      let end = index;
      while (text[end] === ' ' || text[end] === '\t') end++;
      lineIndent = end - index;
      index = end;
      const blank = end >= text.length || text[end] === '\n' || text[end] === '\r';
      if (blockScalarIndent !== undefined && (blank || lineIndent > blockScalarIndent)) {
        index = endOfLine(text, index);
        continue;
      }
      blockScalarIndent = undefined;
      blockEntries = 0;
      atValueStart = true;
      continue;
    }
    if (char === ' ' || char === '\t') {
      index++;
      continue;
    }
    if (char === '#' && (index === 0 || /\s/.test(text[index - 1]!))) {
      index = endOfLine(text, index);
      continue;
    }
    if (atValueStart) {
      if (char === '"' || char === "'") {
        index = endOfQuoted(text, index);
        atValueStart = false;
        continue;
      }
      if (char === '&' || char === '!' || char === '*') {
        if (char === '*' && ++aliases > maxAliases) return 'aliases';
        while (index < text.length && !/[\s,[\]{}]/.test(text[index]!)) index++;
        // An anchor or a tag precedes the value it names; an alias is the value.
        atValueStart = char !== '*';
        continue;
      }
      if (flowDepth === 0 && (char === '-' || char === '?') && /[\s]|^$/.test(text[index + 1] ?? '')) {
        blockEntries++;
        if (blockEntries + flowDepth > maxDepth) return 'depth';
        index++;
        continue;
      }
      if (flowDepth === 0 && (char === '|' || char === '>')) {
        blockScalarIndent = lineIndent;
        index = endOfLine(text, index);
        continue;
      }
    }
    // Inside a flow collection every bracket opens or closes one (plain scalars cannot hold them there).
    if ((char === '[' || char === '{') && (atValueStart || flowDepth > 0)) {
      flowDepth++;
      if (blockEntries + flowDepth > maxDepth) return 'depth';
      atValueStart = true;
    } else if ((char === ']' || char === '}') && flowDepth > 0) {
      flowDepth--;
      atValueStart = false;
    } else if (char === ',' && flowDepth > 0) {
      atValueStart = true;
    } else if (char === ':' && /[\s,[\]{}]|^$/.test(text[index + 1] ?? '')) {
      atValueStart = true;
    } else {
      atValueStart = false;
    }
    index++;
  }
  return undefined;
}

function endOfLine(text: string, from: number): number {
  let index = from;
  while (index < text.length && text[index] !== '\n' && text[index] !== '\r') index++;
  return index;
}

// The index just past a quoted scalar ('' escapes a single quote, \ escapes in double quotes).
function endOfQuoted(text: string, from: number): number {
  const quote = text[from];
  let index = from + 1;
  while (index < text.length) {
    const char = text[index]!;
    if (quote === '"' && char === '\\') index += 2;
    else if (char === quote) {
      if (quote === "'" && text[index + 1] === "'") index += 2;
      else return index + 1;
    } else index++;
  }
  return index;
}
