// Placeholder: replaced by the SummaryWriter within the hour.
export interface SummaryWriterOptions {
  /** 'tf1' writes simple_value/histo/image/audio like PyTorch; 'tf2' writes tensors. */
  style?: 'tf1' | 'tf2';
}
export function encodeRecord(data: Uint8Array): Buffer {
  void data;
  throw new Error('not built yet');
}
export class SummaryWriter {
  constructor(readonly dir: string, readonly options: SummaryWriterOptions = {}) {}
}
