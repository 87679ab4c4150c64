#!/usr/bin/env bash
# Starts a one-node Slurm 22.05 cluster on localhost for modak's tests: munged, slurmctld and
# slurmd, node "localhost", partition "debug", fake GPUs (gres gpu), no accounting database
# (finished jobs stay visible to `scontrol show job` for an hour and are logged by
# jobcomp/filetxt). Made for Debian 12 as root without systemd (containers, CI VMs).
#
#   eval "$(bash tests/real/slurm-up.sh)"       # the last line on stdout is `export SLURM_CONF=...`
#   bash tests/real/slurm-down.sh [--purge]     # stop it (same SLURM_ROOT)
#
# Settings (environment):
#   SLURM_ROOT         directory for everything: config, keys, sockets, state, logs, pids
#                      [${TMPDIR:-/tmp}/modak-slurm]
#   SLURM_CTLD_PORT    slurmctld port [16817]
#   SLURM_SLURMD_PORT  slurmd port    [16818]
#   SLURM_FAKE_GPUS    number of fake GPUs (character devices like /dev/null) [2]; 0 = no gres
#   SLURM_AUTH         munge | none [munge]
#
# Idempotent: when the daemons this script recorded are alive, run with the configuration these
# settings give, and the node answers, it only prints the export line. Otherwise it stops what
# it recorded and starts afresh (saved job state is discarded). Nothing is written outside SLURM_ROOT; all traffic stays on 127.0.0.1.
# Messages go to stderr; exit status is non-zero, with the daemon logs shown, on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ctld_port=${SLURM_CTLD_PORT:-16817}
slurmd_port=${SLURM_SLURMD_PORT:-16818}
fake_gpus=${SLURM_FAKE_GPUS:-2}
auth=${SLURM_AUTH:-munge}

say() { printf '[slurm-up] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
started=$(now_ms)

[[ "$ctld_port" =~ ^[0-9]+$ && "$slurmd_port" =~ ^[0-9]+$ ]] || die "ports must be numbers"
[[ "$fake_gpus" =~ ^[0-9]+$ ]] || die "SLURM_FAKE_GPUS must be a number"
[[ "$auth" == munge || "$auth" == none ]] || die "SLURM_AUTH must be munge or none"
[ "$(id -u)" -eq 0 ] || die "run as root (the daemons run as root and the fake GPUs need mknod)"

needed=(slurmctld slurmd scontrol sinfo)
[[ "$auth" == munge ]] && needed+=(munged mungekey munge unmunge)
for cmd in "${needed[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found: run scripts/install-deps.sh (slurm-wlm munge)"
done

root=${SLURM_ROOT:-${TMPDIR:-/tmp}/modak-slurm}
root=$(realpath -m "$root")   # absolute; created only once the ports are known to be free
conf=$root/etc/slurm.conf
pids=$root/pids
sock=$root/munge/munge.socket.2
# A Unix socket path must fit in 108 bytes.
((${#sock} < 100)) || die "SLURM_ROOT is too long for the munge socket path ($sock); choose a shorter one"
export SLURM_CONF=$conf

# --- our own PID records (separate from the daemons' pid files) --------------------------------
recorded() { [[ -s "$pids/$1.pid" ]] && cat "$pids/$1.pid"; }
alive() {
  local pid
  pid=$(recorded "$1") || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # a zombie (nobody reaped it yet) counts as gone
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}
node_state() { timeout 5 sinfo -h -N -n localhost -o %T 2>/dev/null | head -n 1; }

show_logs() {
  local f
  for f in "$root"/log/*.log "$root"/log/*.out; do
    [ -s "$f" ] || continue
    printf -- '--- %s (last 15 lines)\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
}

# --- the configuration (also decides whether a running cluster can be kept) ---------------------
if [[ "$auth" == munge ]]; then
  auth_conf="AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge"
else
  auth_conf="AuthType=auth/none
CredType=cred/none"
fi
gres_types=""
node_gres=""
if ((fake_gpus > 0)); then
  gres_types="GresTypes=gpu"
  node_gres="Gres=gpu:$fake_gpus"
fi
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
conf_text=$(cat <<EOF
# Written by tests/real/slurm-up.sh; a running cluster is restarted when this text changes.
ClusterName=modak
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
$auth_conf
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$root/state
SlurmdSpoolDir=$root/spool
SlurmctldPidFile=$root/run/slurmctld.pid
SlurmdPidFile=$root/run/slurmd.pid
SlurmctldLogFile=$root/log/slurmctld.log
SlurmdLogFile=$root/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job with no --mem takes the whole node and jobs run one at a time.
DefMemPerCPU=512
SchedulerType=sched/backfill
# Schedule batch jobs as soon as they are submitted (the default waits up to 3 s to batch them).
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MailProg=/bin/true
InactiveLimit=0
KillWait=5
# No accounting database: finished jobs stay in slurmctld for MinJobAge seconds
# (scontrol show job) and every finished job is appended to JobCompLoc.
MinJobAge=3600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$root/log/jobcomp.txt
$gres_types
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb $node_gres State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)

# --- already up? -------------------------------------------------------------------------------
# Kept only when it runs with exactly this configuration (same settings, same script).
if alive slurmctld && alive slurmd && { [[ "$auth" != munge ]] || alive munged; } \
  && [[ -f "$conf" && "$(cat "$conf")" == "$conf_text" ]] \
  && [[ "$(node_state)" =~ ^(idle|mixed|allocated|completing) ]]; then
  say "already running (root $root)"
  printf 'export SLURM_CONF=%q\n' "$conf"
  exit 0
fi
if compgen -G "$pids/*.pid" >/dev/null; then
  say "stopping the cluster recorded under $root first (partly running or configured differently)"
  SLURM_ROOT=$root bash "$here/slurm-down.sh" >&2
fi

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$ctld_port" "$slurmd_port"; do
  port_taken "$p" && die "port $p on 127.0.0.1 is in use by another process; set SLURM_CTLD_PORT / SLURM_SLURMD_PORT"
done

mkdir -p "$root"/{etc,log,state,spool,run,pids,munge,dev}
chmod 0755 "$root"

# start NAME COMMAND...: runs a daemon in the foreground of a background job, output to
# log/NAME.out, and records its PID.
start() {
  local name=$1; shift
  "$@" </dev/null >>"$root/log/$name.out" 2>&1 &
  echo $! >"$pids/$name.pid"
}

# wait_for SECONDS DAEMON CHECK...: polls CHECK every 0.1 s; fails early if DAEMON died.
wait_for() {
  local secs=$1 daemon=$2; shift 2
  local deadline=$(($(now_ms) + secs * 1000))
  while (($(now_ms) < deadline)); do
    "$@" && return 0
    alive "$daemon" || { say "$daemon exited during start-up"; return 1; }
    sleep 0.1
  done
  say "timed out after ${secs}s waiting for $daemon"
  return 1
}

# --- authentication ----------------------------------------------------------------------------
if [[ "$auth" == munge ]]; then
  chmod 0700 "$root/munge"
  key=$root/munge/munge.key
  [[ -s "$key" ]] || mungekey --create --keyfile="$key"
  chmod 0400 "$key"
  rm -f "$sock" "$sock.lock"
  # --force: the socket lives below a directory (e.g. /tmp) munged would otherwise distrust
  start munged munged --foreground --force --key-file="$key" --socket="$sock" \
    --pid-file="$root/run/munged.pid" --log-file="$root/log/munged.log" \
    --seed-file="$root/munge/munged.seed"
  munge_ok() { [[ -S "$sock" ]] && munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; }
  wait_for 10 munged munge_ok || { show_logs; die "munged did not start"; }
fi

# --- fake GPUs: gres/gpu insists on a character or block device per GPU -------------------------
: >"$root/etc/gres.conf"
if ((fake_gpus > 0)); then
  for ((i = 0; i < fake_gpus; i++)); do
    dev=$root/dev/gpu$i
    [[ -c "$dev" ]] && continue
    rm -f "$dev"
    mknod -m 0666 "$dev" c 1 3 || die "mknod $dev failed (no CAP_MKNOD?); set SLURM_FAKE_GPUS=0"
  done
  echo "Name=gpu File=$root/dev/gpu[0-$((fake_gpus - 1))]" >"$root/etc/gres.conf"
fi

# --- slurm.conf --------------------------------------------------------------------------------
printf '%s\n' "$conf_text" >"$conf"

# --- daemons -----------------------------------------------------------------------------------
# -c: start from a clean state (-i would keep a node that an earlier run left INVAL or DRAINED).
start slurmctld slurmctld -D -c -f "$conf"
ctld_up() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }
wait_for 20 slurmctld ctld_up || { show_logs; die "slurmctld did not answer"; }

# -N localhost: the node name must not depend on the machine's hostname.
start slurmd slurmd -D -N localhost -f "$conf"
node_idle() { [[ "$(node_state)" == idle ]]; }
if ! wait_for 30 slurmd node_idle; then
  timeout 5 scontrol show node localhost >&2 || true
  show_logs
  die "node localhost did not become idle"
fi

say "up in $(($(now_ms) - started)) ms: root $root, ports $ctld_port/$slurmd_port, cpus $cpus, memory ${mem_mb} MB, fake gpus $fake_gpus, auth $auth"
printf 'export SLURM_CONF=%q\n' "$conf"
