;; The even-sum hot loop in WebAssembly: fastScan's contract (fast-scan.ts) for the common tokens.
;; Assembled by `npm run build:scan-kernel` into scan-kernel.wasm.ts; scan-kernel.spec.ts checks
;; that the committed binary is this source's.
;;
;; Memory (one fixed page set, never grown, so JS views on it stay attached):
;;   [0, 32)    results of the last call: f64 lo (0 <= lo < 2^32), f64 hi (units of 2^32),
;;              i32 count, i32 evenCount, i32 newlines
;;   [64, 128)  10^k for k = 0..7, i64
;;   [128, ...) the piece being scanned (SCRATCH in scan-kernel.ts), then zero padding
;;
;; scan(from, lim) takes absolute addresses. It reads whole tokens (optional sign, 1..15 digits)
;; each followed by a separator, and stops at the first token start it does not take (invalid
;; byte, lone sign, 16 or more digits, or a token running into the zero padding): the caller hands
;; that one to the JS paths. Eight bytes at a time: SWAR digit test and conversion in i64, exact
;; (a value below 10^15), summed into an i64 that moves its multiples of 2^32 to `hi` before it
;; could overflow. Why i64 and not v128: tokens average ~11 bytes, so a token costs one or two
;; word loads; a 16-byte vector would still need per-token scalar work to split and convert.
;; Everything is written out in the one function: V8 (Node 20) does not inline wasm calls by
;; default, and calls to small helpers here halved the speed.
(module
  (memory (export "memory") 17 17)
  (data (i32.const 64)
    "\01\00\00\00\00\00\00\00" "\0a\00\00\00\00\00\00\00" "\64\00\00\00\00\00\00\00"
    "\e8\03\00\00\00\00\00\00" "\10\27\00\00\00\00\00\00" "\a0\86\01\00\00\00\00\00"
    "\40\42\0f\00\00\00\00\00" "\80\96\98\00\00\00\00\00")

  (func (export "scan") (param $i i32) (param $lim i32) (result i32)
    (local $start i32) (local $c i32) (local $k i32) (local $term i32)
    (local $count i32) (local $evens i32) (local $newlines i32) (local $even i32)
    (local $w i64) (local $x i64) (local $m i64) (local $v i64) (local $neg i64)
    (local $acc i64) (local $hi i64) (local $t i64)
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $i) (local.get $lim)))
        (local.set $start (local.get $i))
        (local.set $x (i64.xor (i64.load (local.get $i)) (i64.const 0x3030303030303030)))
        (local.set $m (i64.and
          (i64.or
            (i64.add (i64.and (local.get $x) (i64.const 0x7f7f7f7f7f7f7f7f)) (i64.const 0x7676767676767676))
            (local.get $x))
          (i64.const 0x8080808080808080)))
        (local.set $neg (i64.const 0))
        (if (i32.wrap_i64 (i64.and (local.get $m) (i64.const 0x80)))
          (then
            ;; Not a digit first: a separator, a sign, or something for the JS paths.
            (local.set $c (i32.load8_u (local.get $i)))
            (if (i32.eq (local.get $c) (i32.const 10))
              (then
                (local.set $newlines (i32.add (local.get $newlines) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $next)))
            (if (i32.or
          (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 44)))
          (i32.le_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 4)))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $next)))
            (if (i32.eq (local.get $c) (i32.const 45))
              (then (local.set $neg (i64.const -1)))
              (else (br_if $out (i32.ne (local.get $c) (i32.const 43)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $x (i64.xor (i64.load (local.get $i)) (i64.const 0x3030303030303030)))
            (local.set $m (i64.and
          (i64.or
            (i64.add (i64.and (local.get $x) (i64.const 0x7f7f7f7f7f7f7f7f)) (i64.const 0x7676767676767676))
            (local.get $x))
          (i64.const 0x8080808080808080)))
            (if (i32.wrap_i64 (i64.and (local.get $m) (i64.const 0x80)))
              (then
                ;; A lone sign: the JS slow path names it.
                (local.set $i (local.get $start))
                (br $out)))))
        (if (i64.eqz (local.get $m))
          (then
            ;; Eight digits, then 0..7 more in the next word (8 more: too long for here).
            (local.set $v (block (result i64)
              (local.set $t (local.get $x))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 10)) (i64.shr_u (local.get $t) (i64.const 8)))
                  (i64.const 0x00ff00ff00ff00ff)))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 100)) (i64.shr_u (local.get $t) (i64.const 16)))
                  (i64.const 0x0000ffff0000ffff)))
              (i64.and
                (i64.add (i64.mul (local.get $t) (i64.const 10000)) (i64.shr_u (local.get $t) (i64.const 32)))
                (i64.const 0xffffffff))))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (local.set $w (i64.load (local.get $i)))
            (local.set $x (i64.xor (local.get $w) (i64.const 0x3030303030303030)))
            (local.set $m (i64.and
          (i64.or
            (i64.add (i64.and (local.get $x) (i64.const 0x7f7f7f7f7f7f7f7f)) (i64.const 0x7676767676767676))
            (local.get $x))
          (i64.const 0x8080808080808080)))
            (if (i64.eqz (local.get $m))
              (then
                (local.set $i (local.get $start))
                (br $out)))
            (local.set $k (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $m)) (i64.const 3))))
            (if (local.get $k)
              (then
                (local.set $v
                  (i64.add
                    (i64.mul (local.get $v) (i64.load (i32.add (i32.const 64) (i32.shl (local.get $k) (i32.const 3)))))
                    (block (result i64)
              (local.set $t (i64.shl (local.get $x) (i64.extend_i32_u (i32.sub (i32.const 64) (i32.shl (local.get $k) (i32.const 3))))))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 10)) (i64.shr_u (local.get $t) (i64.const 8)))
                  (i64.const 0x00ff00ff00ff00ff)))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 100)) (i64.shr_u (local.get $t) (i64.const 16)))
                  (i64.const 0x0000ffff0000ffff)))
              (i64.and
                (i64.add (i64.mul (local.get $t) (i64.const 10000)) (i64.shr_u (local.get $t) (i64.const 32)))
                (i64.const 0xffffffff)))))))
            (local.set $term
              (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.extend_i32_u (i32.shl (local.get $k) (i32.const 3)))))))
          (else
            ;; 1..7 digits: shifted to the top of the word, zeros (leading zero digits) below.
            (local.set $k (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $m)) (i64.const 3))))
            (local.set $v
              (block (result i64)
              (local.set $t (i64.shl (local.get $x) (i64.extend_i32_u (i32.sub (i32.const 64) (i32.shl (local.get $k) (i32.const 3))))))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 10)) (i64.shr_u (local.get $t) (i64.const 8)))
                  (i64.const 0x00ff00ff00ff00ff)))
              (local.set $t
                (i64.and
                  (i64.add (i64.mul (local.get $t) (i64.const 100)) (i64.shr_u (local.get $t) (i64.const 16)))
                  (i64.const 0x0000ffff0000ffff)))
              (i64.and
                (i64.add (i64.mul (local.get $t) (i64.const 10000)) (i64.shr_u (local.get $t) (i64.const 32)))
                (i64.const 0xffffffff))))
            (local.set $term
              (i32.xor
                (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.extend_i32_u (i32.shl (local.get $k) (i32.const 3)))))
                (i32.const 0x30)))))
        (local.set $i (i32.add (local.get $i) (local.get $k)))
        (local.set $term (i32.and (local.get $term) (i32.const 0xff)))
        (if (i32.eqz (i32.or
          (i32.or (i32.eq (local.get $term) (i32.const 32)) (i32.eq (local.get $term) (i32.const 44)))
          (i32.le_u (i32.sub (local.get $term) (i32.const 9)) (i32.const 4))))
          (then
            ;; Not a number, or cut by the end of the piece: the JS paths take it from its start.
            (local.set $i (local.get $start))
            (br $out)))
        (local.set $even (i32.xor (i32.wrap_i64 (local.get $v)) (i32.const 1)))
        (local.set $even (i32.and (local.get $even) (i32.const 1)))
        ;; acc += even ? (neg ? -v : v) : 0, without branches; then keep |acc| below 2^62.
        (local.set $acc
          (i64.add (local.get $acc)
            (i64.and
              (i64.sub (i64.xor (local.get $v) (local.get $neg)) (local.get $neg))
              (i64.sub (i64.const 0) (i64.extend_i32_u (local.get $even))))))
        (if (i64.gt_u (i64.add (local.get $acc) (i64.const 0x4000000000000000)) (i64.const 0x7fffffffffffffff))
          (then
            (local.set $hi (i64.add (local.get $hi) (i64.shr_s (local.get $acc) (i64.const 32))))
            (local.set $acc (i64.and (local.get $acc) (i64.const 0xffffffff)))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $evens (i32.add (local.get $evens) (local.get $even)))
        ;; The separator after the token is consumed here.
        (local.set $newlines (i32.add (local.get $newlines) (i32.eq (local.get $term) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; Only the last token can run past lim; a '\n' after it is past the range and not ours.
    (if (i32.gt_u (local.get $i) (local.get $lim))
      (then
        (if (i32.eq (i32.load8_u (i32.sub (local.get $i) (i32.const 1))) (i32.const 10))
          (then (local.set $newlines (i32.sub (local.get $newlines) (i32.const 1)))))))
    (local.set $hi (i64.add (local.get $hi) (i64.shr_s (local.get $acc) (i64.const 32))))
    (f64.store (i32.const 0) (f64.convert_i64_u (i64.and (local.get $acc) (i64.const 0xffffffff))))
    (f64.store (i32.const 8) (f64.convert_i64_s (local.get $hi)))
    (i32.store (i32.const 16) (local.get $count))
    (i32.store (i32.const 20) (local.get $evens))
    (i32.store (i32.const 24) (local.get $newlines))
    (local.get $i)))
