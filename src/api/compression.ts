// One gzip policy for everything the server sends. @fastify/compress encodes every route's answer
// (job API, OpenAPI, the web UI's files) on the fly; the viewer encodes its own answers in
// src/viewer/respond.ts so that it can cache the gzip of a body it re-sends on every poll, and
// sets Content-Encoding, which the plugin leaves alone. The two agree on what they decide alike:
// gzip only (a client that refuses gzip gets no other encoding from either), nothing under
// MIN_GZIP_BYTES, level 1. Request bodies are never decompressed: clients send plain JSON.
import type { FastifyCompressOptions } from '@fastify/compress';

/** Bodies smaller than this are sent as they are: compressing them costs more than it saves. */
export const MIN_GZIP_BYTES = 1024;

/** Level 1: a quarter of level 6's time on scalar JSON for ~10% more bytes, CPU every tenant shares. */
export const GZIP_LEVEL = 1;

export const compressOptions: FastifyCompressOptions = {
  global: true,
  encodings: ['gzip'],
  threshold: MIN_GZIP_BYTES,
  zlibOptions: { level: GZIP_LEVEL },
  globalDecompression: false,
};
