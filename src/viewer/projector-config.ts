// TensorBoard's ProjectorConfig (tensorboard/plugins/projector/projector_config.proto) read from
// the protobuf text format PyTorch's add_embedding writes, and written back as the proto3 JSON
// TensorBoard's `info` route answers (json_format.MessageToJson: camelCase names, default values
// left out, fields in field-number order). Invariant: the parser's work is linear in the text and
// it refuses what protobuf's text_format.Merge refuses (unknown fields, bad values) with a message
// naming the line, so a hostile config is one clear error, never an exception of another kind;
// like Merge, a singular field set twice keeps its last value.

export interface SpriteInfo {
  imagePath: string;
  /** [width, height] of one image in the sprite. */
  singleImageDim: number[];
}

export interface EmbeddingInfo {
  tensorName: string;
  metadataPath: string;
  bookmarksPath: string;
  tensorShape: number[];
  /** Present when the config has a `sprite` block (even an empty one, as proto3 keeps message presence). */
  sprite?: SpriteInfo;
  tensorPath: string;
}

export interface ProjectorConfig {
  modelCheckpointPath: string;
  embeddings: EmbeddingInfo[];
  modelCheckpointDir: string;
}

export class ConfigSyntaxError extends Error {}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; bytes?: Uint8Array; line: number };

const IDENT = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER = /[-+]?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)[fFuUlL]*/y;

/** A C-escaped string body as bytes (protobuf's CUnescape). */
function unescape(body: string, line: number): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      const code = body.charCodeAt(i);
      if (code < 0x80) out.push(code);
      else {
        // One whole code point (a surrogate pair stays together).
        const cp = body.codePointAt(i) as number;
        const s = String.fromCodePoint(cp);
        for (const b of enc.encode(s)) out.push(b);
        i += s.length - 1;
      }
      continue;
    }
    const e = body[++i];
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
    if (e !== undefined && e in simple) out.push(simple[e]);
    else if (e !== undefined && e >= '0' && e <= '7') {
      let j = i;
      while (j < i + 3 && body[j] >= '0' && body[j] <= '7') j++;
      out.push(parseInt(body.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else if (e === 'x' || e === 'X') {
      let j = i + 1;
      while (j < i + 3 && /[0-9a-fA-F]/.test(body[j] ?? '')) j++;
      if (j === i + 1) throw new ConfigSyntaxError(`line ${line}: \\x with no digits`);
      out.push(parseInt(body.slice(i + 1, j), 16));
      i = j - 1;
    } else throw new ConfigSyntaxError(`line ${line}: invalid escape \\${e ?? ''}`);
  }
  return Uint8Array.from(out);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length || text[j] !== c) throw new ConfigSyntaxError(`line ${line}: unterminated string`);
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), bytes: unescape(text.slice(i + 1, j), line), line });
      i = j + 1;
    } else if ('{}<>:[],;'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else {
      NUMBER.lastIndex = i;
      IDENT.lastIndex = i;
      const m = /[-+0-9.]/.test(c) ? NUMBER.exec(text) : IDENT.exec(text);
      if (!m) throw new ConfigSyntaxError(`line ${line}: unexpected character ${JSON.stringify(c)}`);
      tokens.push({ kind: /[-+0-9.]/.test(c) ? 'number' : 'ident', text: m[0], line });
      i += m[0].length;
    }
  }
  return tokens;
}

type Fields = Record<string, { type: 'string' | 'uint32' | 'message'; repeated?: boolean; message?: Fields }>;

const SPRITE_FIELDS: Fields = { image_path: { type: 'string' }, single_image_dim: { type: 'uint32', repeated: true } };
const EMBEDDING_FIELDS: Fields = {
  tensor_name: { type: 'string' },
  metadata_path: { type: 'string' },
  bookmarks_path: { type: 'string' },
  tensor_shape: { type: 'uint32', repeated: true },
  sprite: { type: 'message', message: SPRITE_FIELDS },
  tensor_path: { type: 'string' },
};
const CONFIG_FIELDS: Fields = {
  model_checkpoint_path: { type: 'string' },
  embeddings: { type: 'message', repeated: true, message: EMBEDDING_FIELDS },
  model_checkpoint_dir: { type: 'string' },
};

type Value = string | number | Message;
interface Message {
  [field: string]: Value[];
}

class Parser {
  private at = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  constructor(
    private readonly tokens: Token[],
    private readonly maxMessages: number,
  ) {}
  private messages = 0;

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private next(what: string): Token {
    const t = this.tokens[this.at++];
    if (!t) throw new ConfigSyntaxError(`unexpected end of file, expected ${what}`);
    return t;
  }
  private punct(text: string): boolean {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === text) {
      this.at++;
      return true;
    }
    return false;
  }

  message(fields: Fields, close: string | undefined): Message {
    if (++this.messages > this.maxMessages) throw new ConfigSyntaxError(`more than ${this.maxMessages} messages`);
    const out: Message = {};
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (close) throw new ConfigSyntaxError(`unexpected end of file, expected "${close}"`);
        return out;
      }
      if (close && this.punct(close)) return out;
      const name = this.next('a field name');
      if (name.kind !== 'ident') throw new ConfigSyntaxError(`line ${name.line}: expected a field name, got ${name.text}`);
      const f = fields[name.text];
      if (!f) throw new ConfigSyntaxError(`line ${name.line}: unknown field "${name.text}"`);
      const list = (out[name.text] ??= []);
      if (f.type === 'message') {
        this.punct(':');
        const open = this.next('"{"');
        const closing = open.text === '{' ? '}' : open.text === '<' ? '>' : undefined;
        if (open.kind !== 'punct' || !closing) throw new ConfigSyntaxError(`line ${open.line}: expected "{" after ${name.text}`);
        list.push(this.message(f.message as Fields, closing));
      } else {
        const colon = this.next('":"');
        if (colon.kind !== 'punct' || colon.text !== ':') throw new ConfigSyntaxError(`line ${colon.line}: expected ":" after ${name.text}`);
        if (f.repeated && this.punct('[')) {
          if (!this.punct(']')) {
            do list.push(this.scalar(f.type, name.text));
            while (this.punct(','));
            const end = this.next('"]"');
            if (end.text !== ']') throw new ConfigSyntaxError(`line ${end.line}: expected "]"`);
          }
        } else list.push(this.scalar(f.type, name.text));
      }
      // text_format.Merge (what TensorBoard reads with): a singular field set twice keeps the last value.
      if (!f.repeated && list.length > 1) list.splice(0, list.length - 1);
      if (!this.punct(',')) this.punct(';');
    }
  }

  private scalar(type: 'string' | 'uint32', field: string): string | number {
    const t = this.next(`a value for ${field}`);
    if (type === 'string') {
      if (t.kind !== 'string') throw new ConfigSyntaxError(`line ${t.line}: expected a string for ${field}, got ${t.text}`);
      const parts: Uint8Array[] = [t.bytes as Uint8Array];
      while (this.peek()?.kind === 'string') parts.push(this.next('a string').bytes as Uint8Array);
      const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      try {
        return this.decoder.decode(all);
      } catch {
        throw new ConfigSyntaxError(`line ${t.line}: ${field} is not valid UTF-8`);
      }
    }
    const n = t.kind === 'number' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t.text) ? Number(t.text) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ConfigSyntaxError(`line ${t.line}: ${field} must be an unsigned 32-bit integer, got ${t.text}`);
    return n;
  }
}

const str = (m: Message, f: string): string => (m[f]?.[0] as string | undefined) ?? '';
const nums = (m: Message, f: string): number[] => (m[f] ?? []) as number[];

/** Parses a projector_config.pbtxt; throws ConfigSyntaxError. */
export function parseProjectorConfig(text: string, maxEmbeddings: number): ProjectorConfig {
  const root = new Parser(tokenize(text), maxEmbeddings * 2 + 1).message(CONFIG_FIELDS, undefined);
  return {
    modelCheckpointPath: str(root, 'model_checkpoint_path'),
    modelCheckpointDir: str(root, 'model_checkpoint_dir'),
    embeddings: ((root.embeddings ?? []) as Message[]).map((e) => {
      const sprite = (e.sprite?.[0] as Message | undefined) ?? undefined;
      return {
        tensorName: str(e, 'tensor_name'),
        metadataPath: str(e, 'metadata_path'),
        bookmarksPath: str(e, 'bookmarks_path'),
        tensorShape: nums(e, 'tensor_shape'),
        sprite: sprite ? { imagePath: str(sprite, 'image_path'), singleImageDim: nums(sprite, 'single_image_dim') } : undefined,
        tensorPath: str(e, 'tensor_path'),
      };
    }),
  };
}

/** proto3 JSON as json_format.MessageToJson writes it: defaults left out, field-number order. */
export function projectorConfigJson(c: ProjectorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.modelCheckpointPath) out.modelCheckpointPath = c.modelCheckpointPath;
  if (c.embeddings.length) {
    out.embeddings = c.embeddings.map((e) => {
      const j: Record<string, unknown> = {};
      if (e.tensorName) j.tensorName = e.tensorName;
      if (e.metadataPath) j.metadataPath = e.metadataPath;
      if (e.bookmarksPath) j.bookmarksPath = e.bookmarksPath;
      if (e.tensorShape.length) j.tensorShape = e.tensorShape;
      if (e.sprite) {
        const s: Record<string, unknown> = {};
        if (e.sprite.imagePath) s.imagePath = e.sprite.imagePath;
        if (e.sprite.singleImageDim.length) s.singleImageDim = e.sprite.singleImageDim;
        j.sprite = s;
      }
      if (e.tensorPath) j.tensorPath = e.tensorPath;
      return j;
    });
  }
  if (c.modelCheckpointDir) out.modelCheckpointDir = c.modelCheckpointDir;
  return out;
}
