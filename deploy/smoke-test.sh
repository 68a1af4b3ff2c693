#!/usr/bin/env bash
# Smoke test of a running service, through its HTTP api only, as a user would drive it with curl:
#   deploy/smoke-test.sh [BASE_URL]          (default http://localhost:5000)
# 1. waits until /health/ready answers (SMOKE_TIMEOUT seconds, default 180);
# 2. randomize: a cat-like PNG drawn with sharp → token → status finished → the result is a PNG of
#    the same size and channels, and not the input;
# 3. even-sum: a numbers file (`curl -T`) → token → status finished → the exact sum.
# Needs bash, curl and node with the repository's dependencies installed (`npm ci`), for sharp.
# SMOKE_HEADER, if set, is sent with every request (e.g. "x-api-key: k1" when API_KEYS is on).
# shellcheck disable=SC2016 # the single-quoted node scripts use JS template literals, not shell ones
set -euo pipefail

BASE="${1:-http://localhost:5000}"
BASE="${BASE%/}"
TIMEOUT="${SMOKE_TIMEOUT:-180}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

CURL=(curl -fsS --max-time 60)
if [[ -n "${SMOKE_HEADER:-}" ]]; then CURL+=(-H "$SMOKE_HEADER"); fi

log() { printf 'smoke: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

# Prints one field of the JSON object on stdin; fails when it is missing.
json_field() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const v = JSON.parse(s)[process.argv[1]];
      if (v === undefined || v === null) { console.error(`no "${process.argv[1]}" in ${s}`); process.exit(1); }
      console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
    });' "$1"
}

# Polls a task's status until it ends; fails unless it finished.
wait_for_task() {
  local kind="$1" token="$2" deadline=$((SECONDS + TIMEOUT)) body="" status
  while ((SECONDS < deadline)); do
    body="$("${CURL[@]}" "$BASE/$kind/$token/status")"
    status="$(json_field status <<<"$body")"
    case "$status" in
      finished) log "$kind $token finished: $body"; return 0 ;;
      errored) fail "$kind $token errored: $body" ;;
    esac
    sleep 1
  done
  fail "$kind $token did not finish within ${TIMEOUT}s (last status: $body)"
}

log "waiting for $BASE/health/ready (up to ${TIMEOUT}s)"
deadline=$((SECONDS + TIMEOUT))
until "${CURL[@]}" -o /dev/null "$BASE/health/ready" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "$BASE/health/ready not ready within ${TIMEOUT}s"
  sleep 2
done
"${CURL[@]}" -o /dev/null "$BASE/metrics" || fail "$BASE/metrics does not answer"

# --- randomize ---------------------------------------------------------------------------------
# A cat face (ears, eyes, nose, whiskers) on a background, 320x240 RGBA: big enough for 60px blocks
# and a remainder strip, small enough for any MAX_IMAGE_BYTES.
(cd "$ROOT" && node -e '
  const sharp = require("sharp");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <rect width="320" height="240" fill="#9fd3e6"/>
    <polygon points="90,70 110,5 150,55" fill="#e89a3c"/><polygon points="230,70 210,5 170,55" fill="#e89a3c"/>
    <ellipse cx="160" cy="130" rx="100" ry="85" fill="#f0a848"/>
    <ellipse cx="120" cy="115" rx="16" ry="22" fill="#3a7d2c"/><ellipse cx="200" cy="115" rx="16" ry="22" fill="#3a7d2c"/>
    <ellipse cx="120" cy="118" rx="5" ry="16" fill="#111"/><ellipse cx="200" cy="118" rx="5" ry="16" fill="#111"/>
    <polygon points="150,150 170,150 160,162" fill="#e75480"/>
    <g stroke="#333" stroke-width="2"><line x1="40" y1="150" x2="135" y2="160"/><line x1="40" y1="175" x2="135" y2="167"/>
    <line x1="280" y1="150" x2="185" y2="160"/><line x1="280" y1="175" x2="185" y2="167"/></g></svg>`;
  sharp(Buffer.from(svg)).ensureAlpha().png().toFile(process.argv[1]).catch((e) => { console.error(e); process.exit(1); });
' "$WORK/cat.png")

created="$("${CURL[@]}" -X POST -H 'Content-Type: image/png' --data-binary "@$WORK/cat.png" "$BASE/randomize")"
token="$(json_field token <<<"$created")"
log "randomize submitted: $token"
wait_for_task randomize "$token"
"${CURL[@]}" -D "$WORK/result.headers" -o "$WORK/result.png" "$BASE/randomize/$token/result"
grep -qi '^content-type: image/png' "$WORK/result.headers" || fail "randomize result is not served as image/png"
(cd "$ROOT" && node -e '
  const sharp = require("sharp");
  const fs = require("fs");
  const [input, output] = process.argv.slice(1);
  Promise.all([sharp(input).metadata(), sharp(output).metadata()]).then(([a, b]) => {
    const shape = (m) => `${m.format} ${m.width}x${m.height}x${m.channels}`;
    if (shape(a) !== shape(b)) throw new Error(`result ${shape(b)} differs from input ${shape(a)}`);
    if (fs.readFileSync(input).equals(fs.readFileSync(output))) throw new Error("result is the unshuffled input");
    console.error(`smoke: randomize result is a ${shape(b)} PNG, shuffled`);
  }).catch((e) => { console.error(`smoke: FAIL: ${e.message}`); process.exit(1); });
' "$WORK/cat.png" "$WORK/result.png")

# --- even-sum ----------------------------------------------------------------------------------
# 1..100000 (even sum 50000*50001) plus signs, commas, CRLF and a number past 2^64: exact decimal sum.
{
  seq 1 100000 | paste -sd' ' -
  printf '1 2 3 4 5 6\r\n-8, 10\n+12\n123456789012345678901234567890\n99999999999999999999\n'
} >"$WORK/numbers.txt"
expected="123456789012345678903734617916"

created="$("${CURL[@]}" -T "$WORK/numbers.txt" "$BASE/even-sum")"
token="$(json_field token <<<"$created")"
log "even-sum submitted: $token"
wait_for_task even-sum "$token"
sum="$("${CURL[@]}" "$BASE/even-sum/$token/result" | json_field sum)"
[[ "$sum" == "$expected" ]] || fail "even-sum gave $sum, expected $expected"
log "even-sum result is exact: $sum"

log "OK"
