// PyTorch's add_embedding file layout (torch/utils/tensorboard/writer.py and _embedding.py), for
// Node: per call a folder `<global_step zero-padded to 5>/<tag with % / \ escaped>/` beside the
// event file holding tensors.tsv (one row per point, Python's str() of each value, tab-separated),
// metadata.tsv (one value per line, or a header row and tab-separated columns) and sprite.png; and
// `projector_config.pbtxt` in the writer's directory rewritten whole with every embedding so far, in
// protobuf text format. Invariant: the bytes are what PyTorch writes for the same values.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddingInput {
  /** Rows of the matrix (points × dimensions). */
  mat: ArrayLike<ArrayLike<number>>;
  /** One label per point, or rows of columns with `metadataHeader`. */
  metadata?: ArrayLike<string | number> | ArrayLike<ArrayLike<string | number>>;
  metadataHeader?: string[];
  /** An encoded sprite (PNG) of the points' images, laid out as PyTorch does (row-major, square grid), and one image's size. */
  sprite?: { png: Uint8Array; width: number; height: number };
  step?: number;
  tag?: string;
}

/** Python's repr of a float (what str(tensor.item()) prints): shortest round-trip digits, Python's exponent rule. */
export function pyFloatString(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const digits = mant.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** PyTorch's SummaryWriter._encode of a tag for a folder name. */
function encodeTag(tag: string): string {
  return tag.replace(/%/g, '%25').replace(/\//g, '%2f').replace(/\\/g, '%5c');
}

function pbtxtString(s: string): string {
  // text_format escapes as C does: quotes, backslash, control bytes; UTF-8 bytes ≥ 0x80 as octal.
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `"${out}"`;
}

interface Info {
  tensorName: string;
  metadataPath?: string;
  sprite?: { imagePath: string; dims: [number, number] };
  tensorPath: string;
}

/** The embeddings one writer has added; rewrites the config after each, as PyTorch does. */
export class ProjectorLog {
  private readonly infos: Info[] = [];
  constructor(private readonly dir: string) {}

  add(e: EmbeddingInput): string {
    const step = e.step ?? 0;
    const tag = e.tag ?? 'default';
    const subdir = `${String(step).padStart(5, '0')}/${encodeTag(tag)}`;
    const save = join(this.dir, subdir);
    mkdirSync(save, { recursive: true });
    const n = e.mat.length;
    if (e.metadata !== undefined) {
      if (e.metadata.length !== n) throw new Error('#labels should equal with #data points');
      const rows = Array.from(e.metadata as ArrayLike<unknown>, (r) => (e.metadataHeader ? Array.from(r as ArrayLike<unknown>, String).join('\t') : String(r)));
      if (e.metadataHeader) rows.unshift(e.metadataHeader.join('\t'));
      writeFileSync(join(save, 'metadata.tsv'), `${rows.join('\n')}\n`);
    }
    if (e.sprite) writeFileSync(join(save, 'sprite.png'), e.sprite.png);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`${Array.from(e.mat[i], (v) => pyFloatString(Math.fround(v))).join('\t')}\n`);
    writeFileSync(join(save, 'tensors.tsv'), lines.join(''));
    this.infos.push({
      tensorName: `${tag}:${String(step).padStart(5, '0')}`,
      metadataPath: e.metadata !== undefined ? `${subdir}/metadata.tsv` : undefined,
      sprite: e.sprite ? { imagePath: `${subdir}/sprite.png`, dims: [e.sprite.width, e.sprite.height] } : undefined,
      tensorPath: `${subdir}/tensors.tsv`,
    });
    writeFileSync(join(this.dir, 'projector_config.pbtxt'), this.pbtxt());
    return save;
  }

  /** text_format.MessageToString(ProjectorConfig): fields in field-number order, two-space indent. */
  private pbtxt(): string {
    let out = '';
    for (const i of this.infos) {
      out += 'embeddings {\n';
      out += `  tensor_name: ${pbtxtString(i.tensorName)}\n`;
      if (i.metadataPath) out += `  metadata_path: ${pbtxtString(i.metadataPath)}\n`;
      if (i.sprite) {
        out += `  sprite {\n    image_path: ${pbtxtString(i.sprite.imagePath)}\n`;
        out += `    single_image_dim: ${i.sprite.dims[0]}\n    single_image_dim: ${i.sprite.dims[1]}\n  }\n`;
      }
      out += `  tensor_path: ${pbtxtString(i.tensorPath)}\n`;
      out += '}\n';
    }
    return out;
  }
}
