// Regular expressions from requests run on RE2's linear-time engine (re2js, pure JavaScript), never
// on V8's backtracking RegExp: a pattern like ^(a+)+$ cannot stall the event loop every tenant
// shares. Matching costs O(program size × input length); both are bounded here (pattern length,
// RE2 program size), so one test of one value is bounded too. Syntax RE2 lacks (lookaround,
// backreferences) is refused, like an invalid pattern, as 400 ModelArts.0104 naming the parameter.
import { RE2JS, RE2JSException } from 're2js';
import { badParameter } from './errors.js';

export const MAX_PATTERN_LENGTH = 256;
/** RE2's own cost measure; 1,000 allows e.g. `.{900}` but not `.{200}` five times over. */
export const MAX_PROGRAM_SIZE = 1000;

export interface UserRegex {
  /** Whether the pattern matches anywhere in `s` (RegExp.prototype.test semantics). */
  test(s: string): boolean;
  /** RE2's cost measure: a request holding several patterns keeps their sum within MAX_PROGRAM_SIZE. */
  readonly programSize: number;
}

/** Compiles a client's pattern or throws ApiError 0104 naming `param` and the rule broken. */
export function compileUserRegex(param: string, source: string): UserRegex {
  if (source.length > MAX_PATTERN_LENGTH) throw badParameter(param, `must be at most ${MAX_PATTERN_LENGTH} characters`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    if (err instanceof RE2JSException) throw badParameter(param, `must be a valid RE2 regular expression (${err.message.slice(0, 120)})`);
    throw err;
  }
  const programSize = re.programSize();
  if (programSize > MAX_PROGRAM_SIZE) throw badParameter(param, 'is too complex (repetition counts too large)');
  return { test: (s) => re.test(s), programSize };
}
