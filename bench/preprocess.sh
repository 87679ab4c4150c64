#!/usr/bin/env bash
# Benchmark `modak preprocess` on generated SODALITE Gen-3 HPC blueprints.
#
#   bash bench/preprocess.sh [MODAK-BINARY]
#
# Generates blueprints with N = 100 and 1000 batch jobs (bench/gen_gen3.py;
# 4 node templates per job) into bench/out/gen3-N/service.yaml, checks that
# modak validates each, that `modak preprocess` renders it and that the
# rendered blueprint validates with one job script per job; then times REPS
# runs of `modak preprocess -q FILE -o OUTDIR` (best and median wall time,
# the CPU time of the best run, peak RSS). Prints a markdown section and
# writes it to bench/out/preprocess.md (bench/run.sh puts it in results.md).
#
# Environment: PREPROCESS_SIZES (default "100 1000"), BENCH_REPS (default 5),
# BENCH_SEED (default: the generator's), BENCH_OUT (default bench/out).
#
# Exit status: 0 when every blueprint was rendered and its output validates
# (the speed target is reported, not enforced); 1 otherwise; 2 on a usage
# error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

modak="${1:-$root/build/plugin/modak}"
if [[ $# -gt 1 || "$modak" == -h || "$modak" == --help ]]; then
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [[ $# -gt 1 ]] && exit 2 || exit 0
fi
if [[ ! -x "$modak" ]]; then
    echo "preprocess.sh: modak binary '$modak' not found or not executable" >&2
    exit 2
fi
modak="$(cd "$(dirname "$modak")" && pwd)/$(basename "$modak")"

sizes="${PREPROCESS_SIZES:-100 1000}"
reps="${BENCH_REPS:-5}"
out="${BENCH_OUT:-$here/out}"
python=/usr/bin/python3
[[ -x $python ]] || python=python3
timebin=/usr/bin/time
[[ -x $timebin ]] || { echo "preprocess.sh: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
seed_args=()
[[ -n "${BENCH_SEED:-}" ]] && seed_args=(--seed "$BENCH_SEED")

now_ns() { date +%s%N; }

# One timed run into a new directory: prints "SECONDS PEAK_RSS_KB CPU_SECONDS".
timed_run() {
    local file="$1" dest="$2" tfile="$out/time.tmp" t0 t1 rc
    t0=$(now_ns)
    set +e
    "$timebin" -f '%e %M %U %S' -o "$tfile" "$modak" preprocess -q "$file" -o "$dest" >/dev/null 2>"$out/stderr.tmp"
    rc=$?
    set -e
    t1=$(now_ns)
    if [[ $rc -ne 0 ]]; then
        echo "preprocess.sh: modak preprocess $file exited $rc:" >&2
        head -n 20 "$out/stderr.tmp" >&2
        return 1
    fi
    awk -v ns=$((t1 - t0)) 'END { printf "%.3f %d %.2f\n", ns / 1e9, $2, $3 + $4 }' "$tfile"
}

declare -A best median rss cpu size_mb templates out_mb
status=0
for n in $sizes; do
    dir="$out/gen3-$n"   # a folder of its own: preprocess copies the blueprint's folder
    file="$dir/service.yaml"
    mkdir -p "$dir"
    "$python" "$here/gen_gen3.py" "${seed_args[@]}" "$n" "$file"
    size_mb[$n]=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.2f", b / 1e6 }')
    templates[$n]=$(awk '/^  node_templates:/ { on = 1; next }
                        /^  [a-z]/ { on = 0 }
                        on && /^    [^ #][^:]*:[ ]*$/ { c++ }
                        END { print c + 0 }' "$file")
    # Correctness first: the input validates, preprocess renders it, the output validates and
    # holds one job script per job.
    check="$out/gen3-$n.check"
    rm -rf "$check"
    if ! report=$("$modak" validate "$file" 2>&1); then
        echo "preprocess.sh: modak rejects the generated blueprint $file:" >&2
        echo "$report" | head -n 40 >&2
        status=1; continue
    fi
    if ! report=$("$modak" preprocess -q "$file" -o "$check" 2>&1); then
        echo "preprocess.sh: modak preprocess fails on $file:" >&2
        echo "$report" | head -n 40 >&2
        status=1; continue
    fi
    if ! report=$("$modak" validate -q "$check/service.yaml" 2>&1); then
        echo "preprocess.sh: the rendered blueprint $check/service.yaml does not validate:" >&2
        echo "$report" | head -n 40 >&2
        status=1; continue
    fi
    scripts=$(find "$check/jobs" -name '*.sbatch' | wc -l)
    if [[ $scripts -ne $n ]]; then
        echo "preprocess.sh: $check/jobs holds $scripts Slurm scripts, expected $n" >&2
        status=1; continue
    fi
    out_mb[$n]=$(awk -v b="$(stat -c %s "$check/service.yaml")" 'BEGIN { printf "%.2f", b / 1e6 }')
    rm -rf "$check"
    # Each run writes a new directory; they are removed after the last run, not between runs
    # (on ext4 without a journal, creating files just after deleting thousands is slower).
    times=() ; rsses=() ; cpus=()
    for ((i = 0; i < reps; i++)); do
        if ! r=$(timed_run "$file" "$out/gen3-$n.run$i"); then status=1; break; fi
        read -r s kb c <<<"$r"
        times+=("$s") ; rsses+=("$kb") ; cpus+=("$s $c")
    done
    rm -rf "$out"/gen3-"$n".run*
    [[ ${#times[@]} -eq $reps ]] || continue
    best[$n]=$(printf '%s\n' "${times[@]}" | sort -g | head -n 1)
    cpu[$n]=$(printf '%s\n' "${cpus[@]}" | sort -g | head -n 1 | cut -d ' ' -f 2)
    median[$n]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }')
    rss[$n]=$(printf '%s\n' "${rsses[@]}" | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
done
rm -f "$out/time.tmp" "$out/stderr.tmp"
seed=$(sed -n 's/.*--seed \([0-9]*\)\..*/\1/p' "$out/gen3-${sizes##* }/service.yaml" 2>/dev/null | head -n 1)

{
    echo "## modak preprocess (SODALITE Gen-3 blueprints, bench/preprocess.sh)"
    echo
    echo "| jobs | node templates | file size (MB) | rendered service.yaml (MB) | best (s) | median (s) | CPU of the best run (s) | peak RSS (MB) | runs |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in $sizes; do
        if [[ -n "${best[$n]:-}" ]]; then
            echo "| $n | ${templates[$n]} | ${size_mb[$n]} | ${out_mb[$n]} | ${best[$n]} | ${median[$n]} | ${cpu[$n]} | ${rss[$n]} | $reps |"
        else
            echo "| $n | ${templates[$n]:-?} | ${size_mb[$n]:-?} | – | FAILED | FAILED | – | – | 0 |"
        fi
    done
    echo
    echo "Blueprints: \`bench/gen_gen3.py N FILE --seed ${seed:-?}\` (a GPU and a CPU Slurm cluster; per job an application"
    echo "with a MODAK request — TensorFlow/PyTorch training, MPI or OpenMP — its JobExecution, workflow Job and Result;"
    echo "about a quarter of the jobs chained). Wall time around \`modak preprocess -q FILE -o NEWDIR\` (the whole process: load,"
    echo "validate, optimise, render, write the directory with one job script per job, flush it to disk, validate the"
    echo "output); CPU = user + system seconds of the best run, the rest of its wall time is waiting (disk, other processes)."
    first="${sizes%% *}" last="${sizes##* }"
    if [[ -n "${best[$first]:-}" && -n "${best[$last]:-}" && "$first" != "$last" ]]; then
        ratio=$(awk -v a="${best[$last]}" -v b="${best[$first]}" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
        echo
        echo "- growth: time($last) / time($first) = **$ratio** for $((last / first))x the jobs"
    fi
    if [[ -n "${best[1000]:-}" ]]; then
        ok=$(awk -v t="${best[1000]}" 'BEGIN { print (t <= 0.5) ? 1 : 0 }')
        if [[ $ok == 1 ]]; then v="met"; else v="not met"; fi
        echo "- 1 000 jobs in at most 0.5 s (speed issue): ${best[1000]} s: **$v**"
    fi
} > "$out/preprocess.md"
cat "$out/preprocess.md"
exit $status
