#!/usr/bin/env bash
# Benchmark `modak validate` on generated TOSCA 1.3 blueprints.
#
#   bash bench/run.sh [MODAK-BINARY]
#
# Generates blueprints of N = 1000 and 10000 node templates with
# bench/gen_blueprint.py (into bench/out/, git-ignored), checks that modak
# accepts each, times REPS runs of `modak validate` (best and median wall
# time, peak RSS), writes bench/results.md and prints the same table.
#
# Then runs bench/preprocess.sh (`modak preprocess` of generated SODALITE
# Gen-3 blueprints with 100 and 1000 jobs) and puts its section in
# results.md too. The `## peers` section (bench/peers.sh) is kept.
#
# Environment: BENCH_SIZES (default "1000 10000"), BENCH_REPS (default 5),
# BENCH_SEED (default: the generator's), BENCH_OUT (default bench/out),
# BENCH_PREPROCESS=0 to skip preprocess.sh (PREPROCESS_SIZES: its sizes).
#
# Exit status: 0 when every generated blueprint validates (whether or not the
# speed targets are met: those are reported, not enforced); 1 when modak
# rejects a generated blueprint or fails to run; 2 on a usage error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

modak="${1:-$root/build/plugin/modak}"
if [[ $# -gt 1 || "$modak" == -h || "$modak" == --help ]]; then
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [[ $# -gt 1 ]] && exit 2 || exit 0
fi
if [[ ! -x "$modak" ]]; then
    echo "run.sh: modak binary '$modak' not found or not executable (build it: cd build && ninja)" >&2
    exit 2
fi
modak="$(cd "$(dirname "$modak")" && pwd)/$(basename "$modak")"

sizes="${BENCH_SIZES:-1000 10000}"
reps="${BENCH_REPS:-5}"
out="${BENCH_OUT:-$here/out}"
python=/usr/bin/python3
[[ -x $python ]] || python=python3
timebin=/usr/bin/time
if [[ ! -x $timebin ]]; then
    echo "run.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
    exit 2
fi
mkdir -p "$out"
seed_args=()
[[ -n "${BENCH_SEED:-}" ]] && seed_args=(--seed "$BENCH_SEED")

now_ns() { date +%s%N; }

# One timed run: prints "SECONDS PEAK_RSS_KB" (seconds to the millisecond,
# measured around /usr/bin/time, whose own %e has only 10 ms resolution).
timed_run() {
    local file="$1" tfile="$out/time.tmp" t0 t1 rc
    t0=$(now_ns)
    set +e
    "$timebin" -f '%e %M' -o "$tfile" "$modak" validate -q "$file" >/dev/null 2>"$out/stderr.tmp"
    rc=$?
    set -e
    t1=$(now_ns)
    if [[ $rc -ne 0 ]]; then
        echo "run.sh: modak validate $file exited $rc:" >&2
        head -n 20 "$out/stderr.tmp" >&2
        return 1
    fi
    awk -v ns=$((t1 - t0)) 'END { printf "%.3f %d\n", ns / 1e9, $2 }' "$tfile"
}

declare -A best median rss size_mb templates
status=0
for n in $sizes; do
    file="$out/blueprint-$n.yaml"
    "$python" "$here/gen_blueprint.py" "${seed_args[@]}" "$n" "$file"
    size_mb[$n]=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.2f", b / 1e6 }')
    templates[$n]=$(awk '/^  node_templates:/ { on = 1; next }
                        /^  [a-z]/ { on = 0 }
                        on && /^    [^ #][^:]*:[ ]*$/ { c++ }
                        END { print c + 0 }' "$file")
    # Correctness first: the generated blueprint must be valid, with no errors.
    if ! report=$("$modak" validate "$file" 2>&1); then
        echo "run.sh: modak rejects the generated blueprint $file:" >&2
        echo "$report" | head -n 40 >&2
        status=1
        continue
    fi
    times=() ; rsses=()
    for ((i = 0; i < reps; i++)); do
        if ! r=$(timed_run "$file"); then status=1; break; fi
        times+=("${r% *}") ; rsses+=("${r#* }")
    done
    [[ ${#times[@]} -eq $reps ]] || continue
    best[$n]=$(printf '%s\n' "${times[@]}" | sort -g | head -n 1)
    median[$n]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }')
    rss[$n]=$(printf '%s\n' "${rsses[@]}" | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
done

# Fixed cost of a run (process start, normative types): a 1-node blueprint.
base=""
"$python" "$here/gen_blueprint.py" "${seed_args[@]}" 1 "$out/blueprint-1.yaml"
if "$modak" validate -q "$out/blueprint-1.yaml" 2>/dev/null; then
    btimes=()
    for ((i = 0; i < reps; i++)); do
        r=$(timed_run "$out/blueprint-1.yaml") || break
        btimes+=("${r% *}")
    done
    [[ ${#btimes[@]} -gt 0 ]] && base=$(printf '%s\n' "${btimes[@]}" | sort -g | head -n 1)
fi
seed=$(sed -n 's/.*, seed \([0-9]*\)\..*/\1/p' "$out/blueprint-1.yaml" | head -n 1)
rm -f "$out/time.tmp" "$out/stderr.tmp"

# modak preprocess on Gen-3 blueprints: its own script, its section goes into results.md.
rm -f "$out/preprocess.md"
if [[ "${BENCH_PREPROCESS:-1}" != 0 ]]; then
    BENCH_OUT="$out" bash "$here/preprocess.sh" "$modak" >/dev/null || status=1
fi

rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
if [[ -n "$(git -C "$root" status --porcelain 2>/dev/null | head -n 1)" ]]; then rev="$rev (work tree modified)"; fi
version="$("$modak" --version 2>/dev/null | head -n 1 || true)"
cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
build_type=""
for cache in "$(dirname "$modak")/../CMakeCache.txt" "$(dirname "$modak")/CMakeCache.txt"; do
    if [[ -f "$cache" ]]; then
        build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache")"
        break
    fi
done
mem="$(free -g 2>/dev/null | awk '/^Mem:/ { print $2 " GiB" }')"

verdict() { # verdict LABEL OK?
    if [[ "$2" == 1 ]]; then echo "- $1: **met**"; else echo "- $1: **not met**"; fi
}

{
    echo "# modak validate benchmark"
    echo
    echo "Generated by \`bash bench/run.sh\` — do not edit by hand."
    echo
    echo "| N | file size (MB) | node templates | best (s) | median (s) | peak RSS (MB) | runs |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for n in $sizes; do
        if [[ -n "${best[$n]:-}" ]]; then
            echo "| $n | ${size_mb[$n]} | ${templates[$n]} | ${best[$n]} | ${median[$n]} | ${rss[$n]} | $reps |"
        else
            echo "| $n | ${size_mb[$n]:-?} | ${templates[$n]:-?} | FAILED | FAILED | – | 0 |"
        fi
    done
    echo
    echo "MB = 10^6 bytes for the file size; peak RSS is /usr/bin/time's %M (KiB) / 1024, the largest of the runs."
    echo "Wall time is measured around \`/usr/bin/time -f '%e %M' modak validate -q FILE\` (process start to exit, to the millisecond)."
    echo
    echo "- machine: $(nproc) CPUs ($cpu), ${mem:-? memory}"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- modak: \`${modak#"$root"/}\` ${version:+($version)}, git revision $rev${build_type:+, CMake build type $build_type}"
    echo "- blueprints: \`bench/gen_blueprint.py N FILE --seed ${seed:-?}\`"
    if [[ -n "${best[1000]:-}" && -n "${best[10000]:-}" ]]; then
        ratio=$(awk -v a="${best[10000]}" -v b="${best[1000]}" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
        lin=$(awk -v r="$ratio" 'BEGIN { print (r <= 11) ? 1 : 0 }')
        under1=$(awk -v t="${best[10000]}" 'BEGIN { print (t < 1) ? 1 : 0 }')
        t025=$(awk -v t="${best[10000]}" 'BEGIN { print (t <= 0.25) ? 1 : 0 }')
        m60=$(awk -v m="${rss[10000]}" 'BEGIN { print (m <= 60) ? 1 : 0 }')
        echo
        echo "## Targets (reported, not enforced)"
        echo
        echo "- growth: time(10000) / time(1000) = **$ratio** (linear: at most 11)"
        if [[ -n "$base" ]]; then
            net=$(awk -v a="${best[10000]}" -v b="${best[1000]}" -v c="$base" 'BEGIN { printf "%.2f", (b - c > 0) ? (a - c) / (b - c) : 0 }')
            echo "- fixed cost of a run (a 1-node blueprint): $base s; growth without it: (time(10000) - fixed) / (time(1000) - fixed) = $net"
        fi
        verdict "linear growth (10x the nodes, at most 11x the time)" "$lin"
        verdict "10 000 nodes under 1 s (foundation issue): ${best[10000]} s" "$under1"
        verdict "10 000 nodes in at most 0.25 s (speed issue): ${best[10000]} s" "$t025"
        verdict "10 000 nodes in at most 60 MB peak RSS (speed issue): ${rss[10000]} MB" "$m60"
    fi
    if [[ -f "$out/preprocess.md" ]]; then
        echo
        cat "$out/preprocess.md"
    fi
} > "$out/results.md.new"

# Keep the peers section (bench/peers.sh) of the previous results.md.
if [[ -f "$here/results.md" ]] && grep -q '^## peers' "$here/results.md"; then
    { echo; sed -n '/^## peers/,$p' "$here/results.md"; } >> "$out/results.md.new"
fi
mv "$out/results.md.new" "$here/results.md"
cat "$here/results.md"
exit $status
