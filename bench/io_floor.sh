#!/usr/bin/env bash
# Header reads at the I/O floor: times vramcalc on sparse GGUF files of real shapes against
#   (a) dd reading exactly the header's MiB of a 141 GB Llama-3.1-70B F16 file (goal: vramcalc
#       inspect <= 1.5 x dd), and
#   (b) node-llama-cpp's `inspect estimate` on a Llama-3.1-8B Q4_K_M file (goal: vramcalc
#       --gguf >= 600 x faster), plus vramcalc's peak RSS there (goal: <= 8 MiB).
# Not part of the test suite: it needs hyperfine, python3 and, for (b), node-llama-cpp.
#
# usage: bench/io_floor.sh [BUILD_DIR]     (default build-rel: a Release build that has the
#        vramcalc and vramcalc_make_gguf targets built)
# environment:
#   NODE_LLAMA_CPP_DIR  folder outside the repository where `npm install node-llama-cpp@3.22.1`
#                       was run; without it (b) times vramcalc alone
#   ROUNDS, RUNS        ROUNDS rounds (default 5) of RUNS hyperfine runs of each command
#                       (default 40), the commands' order reversed every other round; the
#                       medians are over all runs of all rounds
#   NLC_RUNS            runs of node-llama-cpp per round (default 3)
#   GPU                 --gpu for (b) (default L4)
#   BASELINE            another vramcalc binary (an older build) timed beside this one
set -euo pipefail

build=${1:-build-rel}
vramcalc=$(realpath "$build/vramcalc")
make_gguf=$(realpath "$build/bench/vramcalc_make_gguf")
nlc_dir=${NODE_LLAMA_CPP_DIR:-}
nlc_cli=${nlc_dir:+$nlc_dir/node_modules/node-llama-cpp/dist/cli/cli.js}
rounds=${ROUNDS:-5}
runs=${RUNS:-40}
nlc_runs=${NLC_RUNS:-3}
gpu=${GPU:-L4}
baseline=${BASELINE:+$(realpath "$BASELINE")}

for tool in hyperfine python3 "$vramcalc" "$make_gguf"; do
  command -v "$tool" >/dev/null || { echo "io_floor.sh: $tool not found" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vramcalc-io-floor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# key=value line of vramcalc_make_gguf -> one value.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

small=$tmp/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf
big=$tmp/Meta-Llama-3.1-70B-Instruct-F16.gguf
small_info=$("$make_gguf" llama31-8b-q4_k_m "$small")
big_info=$("$make_gguf" llama31-70b-f16 "$big")
echo "8B  fixture: $small_info"
echo "70B fixture: $big_info"
big_header=$(field "$big_info" header_bytes)
mib=$((1024 * 1024))
count=$(((big_header + mib - 1) / mib))  # header MiB, rounded up
echo "70B header: $big_header bytes -> dd bs=1M count=$count"
echo "disk use of the fixtures (sparse): $(du -k "$small" "$big" | awk '{s += $1} END {print s}') KiB"

# Page cache: read each header once (the data is a hole; nothing else is ever read).
dd if="$big" of=/dev/null bs=1M count="$count" status=none
dd if="$small" of=/dev/null bs=1M count="$count" status=none

# medians NAME RUNS|COMMAND...: runs hyperfine on each command in turn, RUNS runs each, for
# $rounds rounds, the order of the commands reversed every other round (so that drift of the
# machine falls on all of them alike), and prints "median_seconds<TAB>runs<TAB>command" for
# each command over all its runs.
medians() {
  local name=$1
  shift
  local specs=("$@") round k
  for ((round = 1; round <= rounds; round++)); do
    for ((k = 0; k < ${#specs[@]}; k++)); do
      local spec=${specs[k]}
      ((round % 2 == 0)) && spec=${specs[${#specs[@]} - 1 - k]}
      local runs_each=${spec%%|*} command=${spec#*|} mode=-N
      [[ $command == "cd "* ]] && mode=--shell=bash  # npx must run where it was installed
      hyperfine "$mode" --style none --warmup $((runs_each > 5 ? 3 : 1)) --runs "$runs_each" \
        --export-json "$tmp/$name.$round.$k.json" "$command" >/dev/null 2>>"$tmp/hyperfine.log" ||
        { cat "$tmp/hyperfine.log" >&2; exit 1; }
    done
  done
  python3 - "$tmp" "$name" <<'PY'
import glob, json, statistics, sys
tmp, name = sys.argv[1], sys.argv[2]
times = {}
for path in sorted(glob.glob(f"{tmp}/{name}.*.json")):
    for result in json.load(open(path))["results"]:
        times.setdefault(result["command"], []).extend(result["times"])
for command, values in times.items():
    print(f"{statistics.median(values):.6f}\t{len(values)}\t{command}")
PY
}

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$@"; }

echo
echo "(a) vramcalc inspect of the 141 GB file vs dd of its header ($rounds rounds x $runs runs)"
vc_inspect="$vramcalc inspect $big"
dd_header="dd if=$big of=/dev/null bs=1M count=$count"
specs_a=("$runs|$vc_inspect" "$runs|$dd_header")
[[ -n $baseline ]] && specs_a+=("$runs|$baseline inspect $big")
result_a=$(medians a "${specs_a[@]}")
echo "$result_a" | awk -F'\t' '{printf "  median %8.3f ms  (%s runs)  %s\n", $1 * 1000, $2, $3}'
t_vc=$(awk -F'\t' -v c="$vc_inspect" '$3 == c {print $1}' <<<"$result_a")
t_dd=$(awk -F'\t' -v c="$dd_header" '$3 == c {print $1}' <<<"$result_a")
echo "  vramcalc / dd = $(ratio "$t_vc" "$t_dd")  (goal <= 1.5)"

echo
echo "(b) vramcalc --gguf of the 8B file vs node-llama-cpp inspect estimate"
vc_gguf="$vramcalc --gguf $small --gpu $gpu"
rss_kib=$(/usr/bin/time -f '%M' "$vramcalc" --gguf "$small" --gpu "$gpu" 2>&1 >/dev/null | tail -n 1)
echo "  vramcalc peak RSS: $rss_kib KiB = $(python3 -c "print(f'{$rss_kib / 1024:.2f}')") MiB (goal <= 8 MiB)"
if [[ -n $nlc_cli && -f $nlc_cli ]]; then
  # node-llama-cpp's CLI run by node itself, and as `npx node-llama-cpp@3.22.1` from the folder
  # it was installed in (npm's start-up on top).
  nlc="node $nlc_cli inspect estimate $small"
  npx="cd $nlc_dir && npx node-llama-cpp@3.22.1 inspect estimate $small"
  echo "  node-llama-cpp $(node "$nlc_cli" --version 2>/dev/null) from $nlc_dir"
  if ! node "$nlc_cli" inspect estimate "$small" >"$tmp/nlc.out" 2>&1; then
    echo "  node-llama-cpp failed:"; sed 's/^/    /' "$tmp/nlc.out"; exit 1
  fi
  sed -n 's/^Resolved config */  node-llama-cpp says: /p' "$tmp/nlc.out"
  # vramcalc --version: what the binary's start-up alone costs, for reference.
  vc_version="$vramcalc --version"
  specs_b=("$runs|$vc_gguf" "$runs|$vc_version" "$nlc_runs|$nlc" "$nlc_runs|$npx")
  [[ -n $baseline ]] && specs_b+=("$runs|$baseline --gguf $small --gpu $gpu")
  result_b=$(medians b "${specs_b[@]}")
  echo "$result_b" | awk -F'\t' '{printf "  median %10.3f ms  (%s runs)  %s\n", $1 * 1000, $2, $3}'
  t_vc=$(awk -F'\t' -v c="$vc_gguf" '$3 == c {print $1}' <<<"$result_b")
  t_nlc=$(awk -F'\t' -v c="$nlc" '$3 == c {print $1}' <<<"$result_b")
  t_npx=$(awk -F'\t' -v c="$npx" '$3 == c {print $1}' <<<"$result_b")
  echo "  node-llama-cpp (node) / vramcalc = $(ratio "$t_nlc" "$t_vc")  (goal >= 600)"
  echo "  node-llama-cpp (npx)  / vramcalc = $(ratio "$t_npx" "$t_vc")  (goal >= 600)"
else
  specs_b=("$runs|$vc_gguf")
  [[ -n $baseline ]] && specs_b+=("$runs|$baseline --gguf $small --gpu $gpu")
  result_b=$(medians b "${specs_b[@]}")
  echo "$result_b" | awk -F'\t' '{printf "  median %10.3f ms  (%s runs)  %s\n", $1 * 1000, $2, $3}'
  echo "  no node-llama-cpp (NODE_LLAMA_CPP_DIR='$nlc_dir'): run npm install node-llama-cpp@3.22.1"
  echo "  in a folder outside the repository and name it in NODE_LLAMA_CPP_DIR to compare"
fi
