/**
 * @file The protobuf wire format, just enough of it to write ONNX files: varints
 * (with 64-bit two's complement for negative int64), fixed32 floats and
 * length-delimited fields (protobuf.dev, "Encoding"). Used by `onnx-writer.ts` (plain
 * Node, test and bench time only).
 *
 * A message is a list of byte chunks, not one buffer: big `bytes` fields are kept as
 * views and nested messages are spliced in by reference, so encoding a model copies
 * none of its weights (see [Note: big initializers] in `onnx-writer.ts`).
 */
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** One protobuf message being encoded: small fields gather in `pending`, big bytes stay views. */
export class ProtoMessage {
  readonly chunks: Uint8Array[] = [];
  byteLength = 0;
  private pending: number[] = [];

  varint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      let v = value;
      while (v >= 0x80) {
        this.pending.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.pending.push(v);
      return;
    }
    // Negative int64 values are sent as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.pending.push(...b);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(data.byteLength);
    if (data.byteLength < 256) {
      this.pending.push(...data);
    } else {
      this.flush();
      this.chunks.push(data);
      this.byteLength += data.byteLength;
    }
  }

  string(field: number, value: string): void {
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, sub: ProtoMessage): void {
    sub.flush();
    this.tag(field, WIRE_LEN);
    this.varint(sub.byteLength);
    this.flush();
    for (const chunk of sub.chunks) this.chunks.push(chunk);
    this.byteLength += sub.byteLength;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.byteLength += this.pending.length;
    this.pending = [];
  }
}
