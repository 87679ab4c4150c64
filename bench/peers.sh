#!/usr/bin/env bash
# modak validate, OpenStack tosca-parser and xOpera `opera validate`, side by side.
#
#   bash bench/peers.sh [MODAK-BINARY]
#
# Generates one blueprint (bench/gen_blueprint.py, N = 10000 by default) and
# times the three tools on that same file in one run: each repetition runs
# modak, then tosca-parser, then opera, so that all three see the same load on
# the machine. Prints a table (best and median wall time, peak RSS, each
# peer's ratio to modak) and writes it as the `## peers` section of
# bench/results.md (the rest of that file, written by run.sh, is kept).
# Not run in CI: the peers are Python programs run from their public sources
# (see bench/README.md for the checkouts and the Debian packages they need).
#
# Environment: PEERS_DIR (default /tmp/peers), TOSCA_PARSER_DIR (default
# $PEERS_DIR/tosca-parser), XOPERA_TOSCA_PARSER_DIR (default
# $PEERS_DIR/xopera-tosca-parser), XOPERA_OPERA_DIR (default
# $PEERS_DIR/xopera-opera), PEERS_N (default 10000), PEERS_REPS (default 3),
# BENCH_SEED, BENCH_OUT (default bench/out), PEERS_PYTHON (default
# /usr/bin/python3), PEERS_NO_RESULTS=1 (print only, leave results.md alone).
#
# Exit status: 0 when every tool that ran accepted the blueprint; 1 when one
# rejected it or failed; 2 on a usage error or when modak cannot be run. A
# peer whose checkout is missing is reported as not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

modak="${1:-$root/build/plugin/modak}"
if [[ $# -gt 1 || "$modak" == -h || "$modak" == --help ]]; then
    sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [[ $# -gt 1 ]] && exit 2 || exit 0
fi
if [[ ! -x "$modak" ]]; then
    echo "peers.sh: modak binary '$modak' not found or not executable" >&2
    exit 2
fi
modak="$(cd "$(dirname "$modak")" && pwd)/$(basename "$modak")"

peers="${PEERS_DIR:-/tmp/peers}"
tp_dir="${TOSCA_PARSER_DIR:-$peers/tosca-parser}"
xtp_dir="${XOPERA_TOSCA_PARSER_DIR:-$peers/xopera-tosca-parser}"
opera_dir="${XOPERA_OPERA_DIR:-$peers/xopera-opera}"
n="${PEERS_N:-10000}"
reps="${PEERS_REPS:-3}"
out="${BENCH_OUT:-$here/out}"
python="${PEERS_PYTHON:-/usr/bin/python3}"
timebin=/usr/bin/time
[[ -x $timebin ]] || { echo "peers.sh: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }
[[ -x $python ]] || { echo "peers.sh: $python not found" >&2; exit 2; }
mkdir -p "$out"
seed_args=()
[[ -n "${BENCH_SEED:-}" ]] && seed_args=(--seed "$BENCH_SEED")

file="$out/blueprint-$n.yaml"
"$python" "$here/gen_blueprint.py" "${seed_args[@]}" "$n" "$file"
seed=$(sed -n 's/.*, seed \([0-9]*\)\..*/\1/p' "$file" | head -n 1)
size_mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.2f", b / 1e6 }')

# The three commands. Each runs in a scratch directory of its own (opera writes
# a .opera/ state directory into the current one).
scratch="$(mktemp -d "${TMPDIR:-/tmp}/modak-peers.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
# tosca-parser's CLI is toscaparser/shell.py; from a checkout pbr cannot find the package
# version, and PBR_VERSION stands in for it.
cmd_modak=("$modak" validate -q "$file")
cmd_tosca_parser=(env PBR_VERSION=0.0.0 PYTHONPATH="$tp_dir" "$python" -c
    'import sys; from toscaparser.shell import main; sys.exit(main(sys.argv[1:]))' --template-file="$file")
cmd_opera=(env PYTHONPATH="$xtp_dir/src:$opera_dir/src" "$python" -c
    'import sys; from opera.cli import main; sys.exit(main())' validate "$file")

tools=(modak tosca-parser opera)
declare -A label=([modak]="modak validate" [tosca-parser]="OpenStack tosca-parser" [opera]="xOpera \`opera validate\`")
declare -A rev=() skip=() times=() rsses=() cpus=() status=()
rev[modak]="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [[ -f "$tp_dir/toscaparser/shell.py" ]]; then
    rev[tosca-parser]="openstack/tosca-parser @$(git -C "$tp_dir" log -1 --format='%h (%cd)' --date=format:%Y-%m 2>/dev/null || echo '?')"
else
    skip[tosca-parser]="no checkout at $tp_dir"
fi
if [[ -f "$opera_dir/src/opera/cli.py" && -d "$xtp_dir/src" ]]; then
    rev[opera]="xlab-si/xopera-opera @$(git -C "$opera_dir" log -1 --format='%h (%cd)' --date=format:%Y-%m 2>/dev/null || echo '?')"
    rev[opera]+=" with xlab-si/xopera-tosca-parser @$(git -C "$xtp_dir" log -1 --format='%h (%cd)' --date=format:%Y-%m 2>/dev/null || echo '?')"
else
    skip[opera]="no checkout at $opera_dir and $xtp_dir"
fi

now_ns() { date +%s%N; }
# One timed run of tool $1: prints "SECONDS PEAK_RSS_KB EXIT_STATUS CPU_SECONDS" (seconds
# to the millisecond, measured around /usr/bin/time, whose %e has 10 ms steps).
timed() {
    local tool="$1" dir="$scratch/$1" t0 t1 rc
    local -n cmd="cmd_${1//-/_}"
    mkdir -p "$dir"
    t0=$(now_ns)
    set +e
    (cd "$dir" && "$timebin" -f '%e %M %U %S' -o "$scratch/$tool.time" "${cmd[@]}" >"$scratch/$tool.out" 2>"$scratch/$tool.err")
    rc=$?
    set -e
    t1=$(now_ns)
    awk -v ns=$((t1 - t0)) -v rc=$rc 'END { printf "%.3f %d %d %.2f\n", ns / 1e9, $2, rc, $3 + $4 }' "$scratch/$tool.time"
}

echo "peers.sh: $n node templates ($size_mb MB), $reps runs of each tool, side by side" >&2
rc_all=0
for ((i = 1; i <= reps; i++)); do
    for tool in "${tools[@]}"; do
        [[ -n "${skip[$tool]:-}" ]] && continue
        r=$(timed "$tool")
        read -r s kb rc c <<<"$r"
        times[$tool]+="$s "; rsses[$tool]+="$kb "; cpus[$tool]+="$c "
        if [[ $rc -ne 0 ]]; then
            status[$tool]="exit $rc"
            rc_all=1
            echo "peers.sh: $tool exited $rc on $file:" >&2
            head -n 10 "$scratch/$tool.err" >&2
        fi
        echo "  run $i: $tool $s s (CPU $c s), $((kb / 1024)) MB, exit $rc" >&2
    done
done
if [[ -z "${times[modak]:-}" ]]; then echo "peers.sh: modak did not run" >&2; exit 2; fi

best() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
peak_mb() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'; }

m_best=$(best "${times[modak]}"); m_mb=$(peak_mb "${rsses[modak]}"); m_cpu=$(best "${cpus[modak]}")
cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
pyver="$("$python" -c 'import sys, yaml; print("Python %d.%d.%d, PyYAML %s" % (sys.version_info[:3] + (yaml.__version__,)))' 2>/dev/null || echo '?')"
load="$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')"
{
    echo "## peers (bench/peers.sh, $(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "The same generated file for all three (\`bench/gen_blueprint.py $n FILE --seed ${seed:-?}\`, $n node templates, $size_mb MB), $reps runs of each, side by side in one loop (modak, tosca-parser, opera, and again); best and median wall time, the least CPU time (user + system) of the runs, largest peak RSS. Ratios: the peer's best time, CPU time and peak RSS divided by modak's. CPU time depends less than wall time on what else runs on the machine."
    echo
    echo "| tool | best (s) | median (s) | CPU (s) | peak RSS (MB) | time / modak | CPU / modak | RSS / modak | exit |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for tool in "${tools[@]}"; do
        if [[ -n "${skip[$tool]:-}" ]]; then
            echo "| ${label[$tool]} | – | – | – | – | – | – | – | not run: ${skip[$tool]} |"
            continue
        fi
        b=$(best "${times[$tool]}"); md=$(median "${times[$tool]}"); mb=$(peak_mb "${rsses[$tool]}"); c=$(best "${cpus[$tool]}")
        if [[ $tool == modak ]]; then tr="1"; cr="1"; rr="1"; else
            tr=$(awk -v a="$b" -v m="$m_best" 'BEGIN { printf "%.0fx", (m > 0) ? a / m : 0 }')
            cr=$(awk -v a="$c" -v m="$m_cpu" 'BEGIN { printf "%.0fx", (m > 0) ? a / m : 0 }')
            rr=$(awk -v a="$mb" -v m="$m_mb" 'BEGIN { printf "%.1fx", (m > 0) ? a / m : 0 }')
        fi
        echo "| ${label[$tool]} | $b | $md | $c | $mb | $tr | $cr | $rr | ${status[$tool]:-0} |"
    done
    echo
    echo "- machine: $(nproc) CPUs (${cpu:-?}), load average at the end $load"
    echo "- modak: \`${modak#"$root"/}\`, git revision ${rev[modak]}"
    for tool in tosca-parser opera; do [[ -n "${rev[$tool]:-}" ]] && echo "- ${label[$tool]}: ${rev[$tool]}, $pyver (Debian's \`$python\`)"; done
    echo "- wall time measured around \`/usr/bin/time -f '%e %M %U %S'\` (process start to exit, to the millisecond); commands as in bench/README.md"
} > "$scratch/peers.md"

cat "$scratch/peers.md"
if [[ "${PEERS_NO_RESULTS:-0}" != 1 ]]; then
    results="$here/results.md"
    if [[ -f "$results" ]]; then
        # Replace the previous peers section, keep everything before it.
        awk '/^## peers/ { exit } { print }' "$results" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$scratch/results.md"
        { echo; cat "$scratch/peers.md"; } >> "$scratch/results.md"
    else
        cp "$scratch/peers.md" "$scratch/results.md"
    fi
    mv "$scratch/results.md" "$results"
    echo "peers.sh: wrote the peers section of ${results#"$root"/}" >&2
fi
exit $rc_all
