// Bounded JSON from clients. Every JSON text a request carries (bodies, the viewer's `request`
// query parameter) is parsed here: its nesting depth is checked by one linear scan of the text
// *before* JSON.parse, so no client-made nesting reaches a recursive step (JSON.parse, schema
// validation, JSON.stringify of a stored value) and blows the stack or turns into a 500 later.
// Size is bounded elsewhere (1 MiB body limit; the request line by Node's header limit).
import { ApiError } from './errors.js';

/** Deepest nesting of arrays/objects accepted; the API's own bodies need 3. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `text` opens more than `max` arrays/objects at once. Brackets inside strings
 * (escapes included) do not count; the text need not be valid JSON (JSON.parse judges that).
 */
export function jsonDepthExceeds(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse behind the depth bound; both failures are 400 ModelArts.0101 naming `what`. */
export function parseClientJson(text: string, what = 'Body'): unknown {
  if (jsonDepthExceeds(text)) {
    throw new ApiError('invalidArgument', `Invalid Argument. ${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError('invalidArgument', `Invalid Argument. ${what} is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}
