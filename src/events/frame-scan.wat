;; TFRecord framing and CRC-32C checks of many records in one call (frame-scan.ts says why).
;; Memory: [0, 8192) the slicing-by-8 tables (8 × 256 little-endian i32, written by the loader),
;; then the bytes to scan. scan(p, end) walks whole records from p and returns where it stopped:
;; at `end`, or at the first record that is incomplete, has a length above 1 GiB (or a high word),
;; or fails either masked CRC. The caller frames that record itself, so every problem is still
;; found and reported by the same code as without this module.
(module
  (memory (export "memory") 33)

  ;; CRC-32C of [p, end), slicing-by-8, then one step by 4, then bytes.
  (func $crc (param $p i32) (param $end i32) (result i32)
    (local $c i32) (local $a i32)
    (local.set $c (i32.const -1))
    (block $done8
      (loop $by8
        (br_if $done8 (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 8)))
        (local.set $a (i32.xor (local.get $c) (i32.load (local.get $p))))
        (local.set $c
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=7168 (i32.shl (i32.and (local.get $a) (i32.const 255)) (i32.const 2)))
                (i32.load offset=6144 (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=5120 (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load offset=4096 (i32.shl (i32.shr_u (local.get $a) (i32.const 24)) (i32.const 2)))))
            (i32.xor
              (i32.xor
                (i32.load offset=3072 (i32.shl (i32.load8_u offset=4 (local.get $p)) (i32.const 2)))
                (i32.load offset=2048 (i32.shl (i32.load8_u offset=5 (local.get $p)) (i32.const 2))))
              (i32.xor
                (i32.load offset=1024 (i32.shl (i32.load8_u offset=6 (local.get $p)) (i32.const 2)))
                (i32.load (i32.shl (i32.load8_u offset=7 (local.get $p)) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $by8)))
    ;; One slicing-by-4 step: at most 3 bytes are left to the byte loop, whose steps are serial.
    (if (i32.ge_u (i32.sub (local.get $end) (local.get $p)) (i32.const 4))
      (then
        (local.set $a (i32.xor (local.get $c) (i32.load (local.get $p))))
        (local.set $c
          (i32.xor
            (i32.xor
              (i32.load offset=3072 (i32.shl (i32.and (local.get $a) (i32.const 255)) (i32.const 2)))
              (i32.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 8)) (i32.const 255)) (i32.const 2))))
            (i32.xor
              (i32.load offset=1024 (i32.shl (i32.and (i32.shr_u (local.get $a) (i32.const 16)) (i32.const 255)) (i32.const 2)))
              (i32.load (i32.shl (i32.shr_u (local.get $a) (i32.const 24)) (i32.const 2))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))))
    (block $done1
      (loop $by1
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c
          (i32.xor
            (i32.load (i32.shl (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $p))) (i32.const 255)) (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $by1)))
    (i32.xor (local.get $c) (i32.const -1)))

  ;; TensorFlow's mask: rotate right by 15, add 0xa282ead8.
  (func $mask (param $c i32) (result i32)
    (i32.add (i32.rotr (local.get $c) (i32.const 15)) (i32.const 0xa282ead8)))

  (func (export "scan") (param $p i32) (param $end i32) (result i32)
    (local $len i32) (local $de i32) (local $hlen i32) (local $hcrc i32)
    ;; The last length whose header CRC passed, and that CRC: a scalar log's records mostly share
    ;; one length, and the same 8 bytes with the same stored CRC pass again without computing it.
    (local.set $hlen (i32.const -1))
    (block $stop
      (loop $record
        (br_if $stop (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 12)))
        (local.set $len (i32.load (local.get $p)))
        (br_if $stop (i32.ne (i32.load offset=4 (local.get $p)) (i32.const 0)))
        (br_if $stop (i32.gt_u (local.get $len) (i32.const 1073741824)))
        (br_if $stop (i32.gt_u (i32.add (local.get $len) (i32.const 16)) (i32.sub (local.get $end) (local.get $p))))
        (if (i32.or (i32.ne (local.get $len) (local.get $hlen)) (i32.ne (i32.load offset=8 (local.get $p)) (local.get $hcrc)))
          (then
            (br_if $stop
              (i32.ne (call $mask (call $crc (local.get $p) (i32.add (local.get $p) (i32.const 8)))) (i32.load offset=8 (local.get $p))))
            (local.set $hlen (local.get $len))
            (local.set $hcrc (i32.load offset=8 (local.get $p)))))
        (local.set $de (i32.add (i32.add (local.get $p) (i32.const 12)) (local.get $len)))
        (br_if $stop
          (i32.ne (call $mask (call $crc (i32.add (local.get $p) (i32.const 12)) (local.get $de))) (i32.load (local.get $de))))
        (local.set $p (i32.add (local.get $de) (i32.const 4)))
        (br $record)))
    (local.get $p))
)
