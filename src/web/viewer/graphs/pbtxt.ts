// Protobuf text format (what TensorBoard's `graphs/graph` route answers) → GraphDef nodes. The
// parser is generic over the text grammar (fields `name: scalar` and `name { … }` / `name < … >`,
// strings with C escapes, `#` comments), so fields it does not know cost nothing but a skip. The
// answer is untrusted text: nesting is tracked on an explicit stack (no recursion to overflow),
// and a malformed tail ends the parse with what was read so far plus an error, never a throw.

/** A message: each field name → its values in order (a scalar's token text, or a sub-message). */
export interface PbMessage {
  [field: string]: PbValue[];
}
export type PbValue = string | PbMessage;

export interface GraphNodeDef {
  name: string;
  op: string;
  inputs: string[];
  device: string;
  attrs: Array<[string, PbMessage]>;
}

export interface ParsedGraph {
  nodes: GraphNodeDef[];
  /** Set when the text stopped parsing before its end (the nodes read until then are kept). */
  error?: string;
}

const SPACE = new Uint8Array(128);
for (const c of ' \t\r\n\f\v,;') SPACE[c.charCodeAt(0)] = 1;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Parses the text into its top-level message. */
export function parsePbtxt(text: string): { root: PbMessage; error?: string } {
  const root: PbMessage = Object.create(null) as PbMessage;
  const stack: Array<{ msg: PbMessage; close: string }> = [{ msg: root, close: '' }];
  const n = text.length;
  let p = 0;

  const skipSpace = (): void => {
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c < 128 && SPACE[c]) p++;
      else if (c === 35 /* # */) {
        const nl = text.indexOf('\n', p);
        p = nl < 0 ? n : nl + 1;
      } else break;
    }
  };
  const ident = (): string => {
    const at = p;
    while (p < n) {
      const c = text.charCodeAt(p);
      // Letters, digits, _ . - + and '[' ']' (extension names) — anything up to a delimiter.
      if (c <= 32 || c === 58 || c === 123 || c === 125 || c === 60 || c === 62 || c === 35 || c === 34 || c === 39 || c === 44 || c === 59) break;
      p++;
    }
    return text.slice(at, p);
  };
  /** A quoted string starting at p (its quote), escapes decoded as bytes then UTF-8. */
  const quoted = (): string | undefined => {
    const q = text.charCodeAt(p);
    const start = ++p;
    let plain = true;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === q) break;
      if (c === 92) { plain = false; p += 2; } else p++;
    }
    if (p >= n) return undefined;
    const raw = text.slice(start, p);
    p++;
    return plain ? raw : unescape(raw);
  };

  const add = (msg: PbMessage, key: string, v: PbValue): void => {
    const list = msg[key];
    if (list) list.push(v);
    else msg[key] = [v];
  };

  for (;;) {
    skipSpace();
    const top = stack[stack.length - 1];
    if (p >= n) {
      return stack.length === 1 ? { root } : { root, error: 'the text ends inside a message' };
    }
    const c = text.charCodeAt(p);
    if (c === 125 || c === 62) {
      if (stack.length === 1 || text[p] !== top.close) return { root, error: `unexpected '${text[p]}' at offset ${p}` };
      stack.pop();
      p++;
      continue;
    }
    const key = ident();
    if (!key) return { root, error: `expected a field name at offset ${p}` };
    skipSpace();
    let colon = false;
    if (text.charCodeAt(p) === 58) { colon = true; p++; skipSpace(); }
    const d = text.charCodeAt(p);
    if (d === 123 || d === 60) {
      const msg = Object.create(null) as PbMessage;
      add(top.msg, key, msg);
      stack.push({ msg, close: d === 123 ? '}' : '>' });
      p++;
    } else if (!colon) {
      return { root, error: `expected ':' or '{' after ${key} at offset ${p}` };
    } else if (d === 34 || d === 39) {
      // Adjacent strings concatenate, as in C.
      let s = quoted();
      if (s === undefined) return { root, error: 'the text ends inside a string' };
      for (;;) {
        skipSpace();
        const e = text.charCodeAt(p);
        if (e !== 34 && e !== 39) break;
        const more = quoted();
        if (more === undefined) return { root, error: 'the text ends inside a string' };
        s += more;
      }
      add(top.msg, key, s);
    } else {
      const v = ident();
      if (!v) return { root, error: `expected a value for ${key} at offset ${p}` };
      add(top.msg, key, v);
    }
  }
}

/** C escapes (\n, \t, \", \\, octal \ooo, hex \xHH) decoded to bytes, the bytes read as UTF-8. */
function unescape(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 92) {
      if (c < 0x80) bytes.push(c);
      else for (const b of new TextEncoder().encode(raw[i])) bytes.push(b);
      continue;
    }
    const e = raw[++i];
    if (e === undefined) break;
    if (e >= '0' && e <= '7') {
      let v = 0;
      let k = 0;
      while (k < 3 && raw[i] >= '0' && raw[i] <= '7') { v = v * 8 + (raw.charCodeAt(i) - 48); i++; k++; }
      i--;
      bytes.push(v & 0xff);
    } else if (e === 'x' || e === 'X') {
      let v = 0;
      let k = 0;
      while (k < 2 && /[0-9a-fA-F]/.test(raw[i + 1] ?? '')) { v = v * 16 + parseInt(raw[++i], 16); k++; }
      bytes.push(v);
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, "'": 39, '\\': 92, '?': 63 };
      bytes.push(map[e] ?? e.charCodeAt(0));
    }
  }
  return utf8.decode(Uint8Array.from(bytes));
}

const str = (v: PbValue | undefined): string => (typeof v === 'string' ? v : '');
const msgs = (v: PbValue[] | undefined): PbMessage[] => (v ?? []).filter((x): x is PbMessage => typeof x !== 'string');

/** A GraphDef in text format → its nodes (name, op, inputs, device, attributes by key). */
export function parseGraphPbtxt(text: string): ParsedGraph {
  const { root, error } = parsePbtxt(text);
  const nodes: GraphNodeDef[] = [];
  for (const m of msgs(root.node)) {
    const name = str(m.name?.[0]);
    if (!name) continue;
    const attrs: Array<[string, PbMessage]> = [];
    for (const a of msgs(m.attr)) {
      const value = msgs(a.value)[0];
      attrs.push([str(a.key?.[0]), value ?? (Object.create(null) as PbMessage)]);
    }
    nodes.push({ name, op: str(m.op?.[0]), inputs: (m.input ?? []).map(str).filter(Boolean), device: str(m.device?.[0]), attrs });
  }
  return error ? { nodes, error } : { nodes };
}

// ---- attribute values as people read them -----------------------------------------------------

const DTYPES: Record<string, string> = {
  DT_FLOAT: 'float32', DT_DOUBLE: 'float64', DT_INT32: 'int32', DT_UINT8: 'uint8', DT_INT16: 'int16', DT_INT8: 'int8',
  DT_STRING: 'string', DT_COMPLEX64: 'complex64', DT_INT64: 'int64', DT_BOOL: 'bool', DT_BFLOAT16: 'bfloat16',
  DT_UINT16: 'uint16', DT_HALF: 'float16', DT_UINT32: 'uint32', DT_UINT64: 'uint64', DT_RESOURCE: 'resource', DT_VARIANT: 'variant',
};

/** A TensorShapeProto as `[2, 64]` (unknown sizes `?`, unknown rank `<unknown>`). */
export function formatShape(m: PbMessage): string {
  if (str(m.unknown_rank?.[0]) === 'true') return '<unknown>';
  const dims = msgs(m.dim).map((d) => {
    const size = str(d.size?.[0]);
    return size === '' || size.startsWith('-') ? '?' : size;
  });
  return `[${dims.join(', ')}]`;
}

const clip = (s: string, max = 300): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** An AttrValue (one of s, i, f, b, type, shape, list, tensor, func, placeholder) as short text. */
export function formatAttr(v: PbMessage): string {
  if (v.list) {
    const l = msgs(v.list)[0] ?? (Object.create(null) as PbMessage);
    const parts: string[] = [];
    for (const [k, items] of Object.entries(l)) {
      for (const item of items) {
        if (typeof item !== 'string') parts.push(k === 'shape' ? formatShape(item) : k);
        else parts.push(k === 's' ? JSON.stringify(item) : k === 'type' ? DTYPES[item] ?? item : item);
        if (parts.length > 64) break;
      }
    }
    return clip(`[${parts.join(', ')}]`);
  }
  if (v.s) return clip(JSON.stringify(str(v.s[0])));
  if (v.type) return DTYPES[str(v.type[0])] ?? str(v.type[0]);
  if (v.shape) return formatShape(msgs(v.shape)[0] ?? (Object.create(null) as PbMessage));
  for (const k of ['i', 'f', 'b', 'placeholder']) if (v[k]) return clip(str(v[k][0]));
  if (v.tensor) {
    const t = msgs(v.tensor)[0];
    const dtype = t ? DTYPES[str(t.dtype?.[0])] ?? str(t.dtype?.[0]) : '';
    const shape = t?.tensor_shape ? formatShape(msgs(t.tensor_shape)[0]) : '';
    return `tensor ${dtype} ${shape}`.trim();
  }
  if (v.func) return `func ${str(msgs(v.func)[0]?.name?.[0])}`;
  return '';
}

/** The node's `_output_shapes` attribute (PyTorch's add_graph and TF's writer both set it) as text. */
export function outputShapes(node: GraphNodeDef): string[] {
  const attr = node.attrs.find(([k]) => k === '_output_shapes')?.[1];
  const list = attr ? msgs(attr.list)[0] : undefined;
  return list ? msgs(list.shape).map(formatShape) : [];
}
