// Text summaries as TensorBoard's text plugin shows them: markdown rendered to HTML, then
// sanitized with the same allow-list TensorBoard uses, so no script, event handler or
// javascript: URL from a log file ever reaches the browser. A rank-0 tensor is one markdown
// block; rank 1 and 2 become a table with one cell per element (rank 1: one column); higher ranks
// are reduced to their first 2-D slice with a warning, like TensorBoard. The table is laid out over
// the values present: a shape they do not fill is shown as one column of them (never looped over).
import { Marked } from 'marked';
import { shapeProduct } from '../events/index.js';
import sanitizeHtml from 'sanitize-html';

// TensorBoard's plugin_util allow-list.
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'ul', 'ol', 'li', 'p', 'pre', 'code', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
    'br', 'strong', 'em', 'a', 'table', 'thead', 'tbody', 'td', 'tr', 'th', 'img', 'del',
  ],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'title', 'alt'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
};

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** One markdown string as HTML, unsanitized (sanitizing happens once over the whole result). */
function markdownHtml(md: string): string {
  // A NUL would end the string early in some renderers; TensorBoard drops them too.
  const clean = md.replace(/\0/g, '');
  return (marked.parse(clean) as string).trimEnd();
}

export function sanitize(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

export function markdownToSafeHtml(md: string): string {
  return sanitize(markdownHtml(md));
}

function tableRow(cells: string[]): string {
  return '<tr>\n' + cells.map((c) => `<td>${c}</td>\n`).join('') + '</tr>\n';
}

/**
 * A string tensor (values in row-major order, with its shape) as TensorBoard's text plugin HTML.
 */
export function textTensorToHtml(values: readonly string[], shape: readonly number[]): string {
  if (shape.length !== 0 && shapeProduct(shape) !== values.length) shape = [values.length];
  if (shape.length === 0) return markdownToSafeHtml(values[0] ?? '');
  let warning = '';
  let rows: number;
  let cols: number;
  if (shape.length > 2) {
    warning = markdownHtml(
      `**Warning:** This text summary contained data of dimensionality ${shape.length}, but only 2d tables are supported. Showing a 2d slice of the data instead.`,
    );
    rows = shape[0];
    cols = shape[1];
  } else {
    rows = shape[0];
    cols = shape.length === 2 ? shape[1] : 1;
  }
  // For rank > 2 the first 2-D slice is element [i][j][0][0]…: stride over the trailing dims.
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  let body = '';
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < cols; j++) cells.push(markdownHtml(values[(i * cols + j) * inner] ?? ''));
    body += tableRow(cells);
  }
  return sanitize(warning + `<table>\n<tbody>\n${body}</tbody>\n</table>`);
}
