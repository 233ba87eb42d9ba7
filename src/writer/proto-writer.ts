// Protobuf wire-format writer: builds messages as byte arrays, for the event encoder and for tests
// that hand-craft records. Invariant: the bytes are what protoc's encoder would emit for the same
// fields in call order (varints minimal, int64 negatives as 10 bytes, packed repeated fields).

export class ProtoWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  private flushBytes(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }
  private rawVarint(v: number): void {
    if (v < 0) {
      // int64 negative: 10-byte two's complement.
      const big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      let x = big;
      while (x >= 0x80n) {
        this.chunks.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.chunks.push(Number(x));
      return;
    }
    while (v >= 0x80) {
      this.chunks.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.chunks.push(v);
  }
  private key(field: number, wt: number): void {
    this.rawVarint(field * 8 + wt);
  }
  varint(field: number, v: number): this {
    this.key(field, 0);
    this.rawVarint(v);
    return this;
  }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.chunks.push(...b);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }
  bytes(field: number, v: Uint8Array): this {
    this.key(field, 2);
    this.rawVarint(v.length);
    this.flushBytes();
    this.parts.push(v);
    return this;
  }
  string(field: number, v: string): this {
    return this.bytes(field, Buffer.from(v, 'utf8'));
  }
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }
  packedDoubles(field: number, vs: ArrayLike<number>): this {
    const b = new Uint8Array(vs.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < vs.length; i++) dv.setFloat64(i * 8, vs[i], true);
    return this.bytes(field, b);
  }
  packedFloats(field: number, vs: ArrayLike<number>): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < vs.length; i++) dv.setFloat32(i * 4, vs[i], true);
    return this.bytes(field, b);
  }
  finish(): Uint8Array {
    this.flushBytes();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}
