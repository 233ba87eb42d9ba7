// TensorBoard's JSON sends NaN and infinities as the strings "NaN", "Infinity", "-Infinity";
// everything numeric read from the data API goes through here.

export function tbNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}
