#!/usr/bin/env bash
# slurm_local.sh - a real single-node Slurm (munged + slurmctld + slurmd) on 127.0.0.1 with
# fake GPU GRES, for capstone-tui's tests and demos. Debian/Ubuntu, as root, no systemd needed.
#
#   scripts/slurm_local.sh start          install if missing, configure, start, wait for an idle node
#   eval "$(scripts/slurm_local.sh env)"  export SLURM_CONF for sinfo / scontrol / srun
#   scripts/slurm_local.sh status         exit 0 when all three daemons run and sinfo answers
#   scripts/slurm_local.sh stop           stop the daemons this script started (by PID file)
#   scripts/slurm_local.sh clean          stop and remove the state directory
#
# Everything lives in $SLURM_LOCAL_DIR (config, private munge key and socket, state, logs,
# PID files); nothing is written to /etc/slurm and a system munged is left alone. Clients find
# the cluster only through SLURM_CONF.
#
# Environment: SLURM_LOCAL_DIR [/tmp/capstone-slurm], SLURM_LOCAL_GRES [gpu:fake:2] ("" = none),
# SLURM_LOCAL_MEM_MB [2000] (<= what `slurmd -C` reports), SLURM_LOCAL_CTLD_PORT [6817],
# SLURM_LOCAL_SLURMD_PORT [6818], SLURM_LOCAL_INSTALL [1], SLURM_LOCAL_TIMEOUT [60] (seconds).
# Facts behind the choices (munge paths, mknod'ed GRES files, zombies, hung sinfo): see
# ../shared/reference/engines.md section 1.
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-/tmp/capstone-slurm}
GRES=${SLURM_LOCAL_GRES-gpu:fake:2}
MEM_MB=${SLURM_LOCAL_MEM_MB:-2000}
CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-6817}
SLURMD_PORT=${SLURM_LOCAL_SLURMD_PORT:-6818}
DO_INSTALL=${SLURM_LOCAL_INSTALL:-1}
TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
CONF=$DIR/slurm.conf
SOCK=$DIR/munge/munge.socket.2

log() { echo "[slurm_local] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# alive = exists and is not a zombie (PID 1 in containers reaps exited daemons late)
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pidof_file() { [ -s "$1" ] && cat "$1" || true; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sinfo >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  [ "$DO_INSTALL" = 1 ] || die "Slurm/munge missing and SLURM_LOCAL_INSTALL=0"
  log "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

write_config() {
  local host hw ncpus name type count node_gres="" gres_line="" gres_types="" i
  host=$(hostname -s)
  mkdir -p "$DIR"/{ctld,spool,log,run,dev,munge}
  # Topology as slurmd sees it; RealMemory replaced so it never exceeds the real value.
  hw=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ RealMemory=[0-9]*//')
  ncpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  if [ -n "$GRES" ]; then
    IFS=: read -r name type count <<<"$GRES"
    [ -n "${count:-}" ] || die "SLURM_LOCAL_GRES must be name:type:count (got '$GRES')"
    # File-less GPUs are dropped by slurmd and regular files refused: use char devices (1:3).
    for ((i = 0; i < count; i++)); do
      [ -e "$DIR/dev/fake$name$i" ] || mknod "$DIR/dev/fake$name$i" c 1 3 2>/dev/null || touch "$DIR/dev/fake$name$i"
    done
    gres_types="GresTypes=$name"
    node_gres="Gres=$name:$type:$count"
    gres_line="NodeName=$host Name=$name Type=$type File=$DIR/dev/fake$name[0-$((count - 1))]"
  fi
  cat >"$CONF" <<EOF
# written by scripts/slurm_local.sh: a single-node Slurm on loopback for tests
ClusterName=capstone
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MailProg=/bin/true
$gres_types
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 $hw RealMemory=$MEM_MB $node_gres State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=batch Nodes=ALL Default=NO MaxTime=1-00:00:00 State=UP
EOF
  printf 'AutoDetect=off\n%s\n' "$gres_line" >"$DIR/gres.conf"
  echo "${ncpus:-1}" >"$DIR/run/ncpus"
}

start_munge() {
  alive "$(pidof_file "$DIR/munge/munged.pid")" && return 0
  # munged wants its key 0600 and owned by its user, and no world-writable directories.
  chown munge:munge "$DIR/munge"
  [ -s "$DIR/munge/munge.key" ] || dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$DIR/munge/munge.key"
  chmod 0600 "$DIR/munge/munge.key"
  chmod 0711 "$DIR/munge"
  runuser -u munge -- /usr/sbin/munged --socket="$SOCK" --key-file="$DIR/munge/munge.key" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed"
  munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null || die "munge self-test failed"
}

node_state() { SLURM_CONF=$CONF timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true; }

wait_idle() {
  # deadline-based: sinfo blocks for seconds while slurmctld is not up yet
  local deadline=$(($(date +%s) + TIMEOUT)) state=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    alive "$(pidof_file "$DIR/run/slurmctld.pid")" || break
    state=$(node_state)
    case "$state" in
      idle* | mixed* | allocated*) log "node state: $state"; return 0 ;;
      inval* | drain* | down*) break ;;
    esac
    sleep 0.2
  done
  log "node not usable (state '$state'); log tails:"
  tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  return 1
}

running() {
  alive "$(pidof_file "$DIR/run/slurmctld.pid")" && alive "$(pidof_file "$DIR/run/slurmd.pid")" \
    && alive "$(pidof_file "$DIR/munge/munged.pid")"
}

cmd_start() {
  [ "$(id -u)" = 0 ] || die "run as root"
  if running && [ -n "$(node_state)" ]; then log "already running in $DIR"; echo "export SLURM_CONF=$CONF"; return 0; fi
  install_packages
  cmd_stop >/dev/null 2>&1 || true
  write_config
  start_munge
  # -c clears saved state, so a node drained in an earlier run starts idle
  /usr/sbin/slurmctld -c -f "$CONF"
  /usr/sbin/slurmd -f "$CONF"
  wait_idle || die "node did not become idle"
  log "ready: munged=$(pidof_file "$DIR/munge/munged.pid") slurmctld=$(pidof_file "$DIR/run/slurmctld.pid") slurmd=$(pidof_file "$DIR/run/slurmd.pid")"
  echo "export SLURM_CONF=$CONF"
}

stop_one() {
  local name=$1 file=$2 pid i
  pid=$(pidof_file "$file")
  if ! alive "$pid"; then rm -f "$file"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
  log "stopped $name (pid $pid)"
}

cmd_stop() {
  if [ -f "$CONF" ] && alive "$(pidof_file "$DIR/run/slurmctld.pid")"; then
    SLURM_CONF=$CONF timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
  fi
  stop_one slurmd "$DIR/run/slurmd.pid"
  stop_one slurmctld "$DIR/run/slurmctld.pid"
  stop_one munged "$DIR/munge/munged.pid"
}

cmd_status() {
  local rc=0 item file pid
  for item in munged:munge/munged.pid slurmctld:run/slurmctld.pid slurmd:run/slurmd.pid; do
    file=$DIR/${item#*:}; pid=$(pidof_file "$file")
    if alive "$pid"; then echo "${item%%:*}: running (pid $pid)"; else echo "${item%%:*}: not running"; rc=1; fi
  done
  if [ "$rc" = 0 ]; then SLURM_CONF=$CONF timeout 5 sinfo -N -o '%N|%c|%m|%G|%P|%T' || rc=1; fi
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  clean) cmd_stop; rm -rf "$DIR" ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env|clean" >&2; exit 2 ;;
esac
