#!/usr/bin/env bash
# Stops the cluster tests/real/slurm-up.sh started under SLURM_ROOT: cancels its jobs, then stops
# slurmd, slurmctld and munged by the PIDs slurm-up.sh recorded (never by process name).
#
#   bash tests/real/slurm-down.sh            # stop, keep SLURM_ROOT (config, logs)
#   bash tests/real/slurm-down.sh --purge    # stop and delete SLURM_ROOT
#
# SLURM_ROOT defaults to ${TMPDIR:-/tmp}/modak-slurm, as in slurm-up.sh. Safe to run when
# nothing is running. Exit status 0 unless the arguments are wrong or a daemon would not die.
set -uo pipefail

purge=0
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "usage: slurm-down.sh [--purge]" >&2; exit 2 ;;
  esac
done

say() { printf '[slurm-down] %s\n' "$*"; }
root=${SLURM_ROOT:-${TMPDIR:-/tmp}/modak-slurm}
if [ ! -d "$root" ]; then
  say "nothing at $root"
  exit 0
fi
root=$(cd "$root" && pwd)
pids=$root/pids
export SLURM_CONF=$root/etc/slurm.conf

gone() { # PID: true when the process no longer exists or is a zombie
  kill -0 "$1" 2>/dev/null || return 0
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" == Z ]]
}
wait_gone() { # PID TENTHS
  local i
  for ((i = 0; i < $2; i++)); do
    gone "$1" && return 0
    sleep 0.1
  done
  gone "$1"
}

status=0
stop() { # NAME
  local record=$pids/$1.pid pid
  [[ -s "$record" ]] || return 0
  pid=$(cat "$record")
  if [[ "$pid" =~ ^[0-9]+$ ]] && ! gone "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    # Wait for the exit: a slurmctld started again while the old one still holds its pid file
    # dies with "pidfile locked".
    if ! wait_gone "$pid" 150; then
      say "$1 ($pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null
      wait_gone "$pid" 50 || { say "error: $1 ($pid) is still running"; status=1; return; }
    fi
    say "stopped $1 ($pid)"
  fi
  rm -f "$record"
}

# Jobs first, while the controller still answers, so no job step outlives the cluster.
ctld=$(cat "$pids/slurmctld.pid" 2>/dev/null || true)
if [[ "$ctld" =~ ^[0-9]+$ ]] && ! gone "$ctld"; then
  jobs=$(timeout 10 squeue -h -t PENDING,RUNNING,SUSPENDED,COMPLETING -o %A 2>/dev/null | tr '\n' ' ')
  if [[ -n "${jobs// /}" ]]; then
    say "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    timeout 10 scancel $jobs 2>/dev/null
    for _ in $(seq 100); do
      [[ -z "$(timeout 5 squeue -h -o %A 2>/dev/null -t PENDING,RUNNING,SUSPENDED,COMPLETING)" ]] && break
      sleep 0.1
    done
  fi
fi

stop slurmd
stop slurmctld
stop munged
rm -f "$root/munge/munge.socket.2" "$root/munge/munge.socket.2.lock"

if ((purge)); then
  if ((status)); then
    say "not purging $root: a daemon is still running"
  elif [[ "$root" == / || ! -d "$root/pids" && ! -f "$root/etc/slurm.conf" ]]; then
    # refuse to delete a directory slurm-up.sh did not make
    say "not purging $root: it does not look like a slurm-up.sh directory"
    status=1
  else
    rm -rf "$root"
    say "purged $root"
  fi
fi
exit $status
