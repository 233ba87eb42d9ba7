// Public types of the writer entry. Invariant: types only, no code.

export type WriterStyle = 'tf1' | 'tf2';

export interface SummaryWriterOptions {
  /** 'tf1' (default) writes like PyTorch; 'tf2' writes rank-0/[k,3]/string tensors like TensorFlow 2. */
  style?: WriterStyle;
  /** Clock for wall times (seconds); default Date.now()/1000. */
  now?: () => number;
  /** PyTorch's purge_step: a SessionLog START at this step follows the file_version record. */
  purgeStep?: number;
  /** Appended to the file name (PyTorch's filename_suffix). */
  filenameSuffix?: string;
  /** Flush to disk once this many bytes are pending (default 1 MiB). */
  flushBytes?: number;
}

export type HparamInput = string | number | boolean;

/** A histogram as TensorFlow's HistogramProto holds it. */
export interface RawHistogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimits: ArrayLike<number>;
  bucketCounts: ArrayLike<number>;
}

/**
 * How a scalar's value is encoded, as the writers in use do it: `simple_value` (PyTorch,
 * tensorboardX, TF1); a rank-0 tensor with plugin metadata on the first value (TensorFlow 2) in
 * `tensor_content`, packed `float_val`, unpacked `float_val`, `double_val`, `double_content`
 * (DT_DOUBLE tensor_content) or `half_val`; `pytorch_new_style`: PyTorch's add_scalar(new_style=True),
 * a DT_FLOAT float_val tensor without a shape, its metadata with every value, fields in number order.
 */
export type ScalarEncoding =
  | 'simple_value'
  | 'tensor_content'
  | 'float_val'
  | 'float_val_unpacked'
  | 'double_val'
  | 'double_content'
  | 'half_val'
  | 'pytorch_new_style';

/**
 * add_custom_scalars' argument, as PyTorch takes it: {category: {chart title: ['Multiline', [tag
 * regexes]] or ['Margin', [value tag, lower tag, upper tag]]}}.
 */
export type CustomScalarsLayout = Record<string, Record<string, ['Multiline' | 'Margin', string[]]>>;
