#!/bin/sh
# opsagent-cron.sh: keeps the OpsAgent running. /etc/cron.d/opsagent runs it as root every
# minute (userdata.sh installs that line; see docs/operations.md).
#
# - Nothing happens while /var/lib/visualops/disabled exists.
# - With systemd, it starts opsagent.service when the service is enabled but not active, so
#   that 'systemctl disable --now opsagent' stops the agent for good.
# - Without systemd, it starts 'bin/opsagent run' in the background unless the pid in the
#   agent's lock file is a live agent. The lock decides in the end: a second agent exits 1.
#   An agent that exits 75 after installing an upgrade is started again, from the new current,
#   on the next run.
# - Without systemd, while a switch to a new release is on probation (upgrade.json holds
#   "in_flight") and the new release has been started 3 times without staying up, it starts
#   previous/bin/opsagent instead. That release sees that current points to the failed one,
#   counts the failure and points current back at itself (docs/upgrade.md, section 6).
# OPSAGENT_ROOT prefixes every path (tests); with it, systemd is never used.
set -u

root=${OPSAGENT_ROOT:-}
root=${root%/}

script=$0
while [ -h "$script" ]; do
    target=$(readlink "$script")
    case $target in
        /*) script=$target ;;
        *) script=$(dirname "$script")/$target ;;
    esac
done
home=$(cd "$(dirname "$script")/.." && pwd)

state=$root/var/lib/visualops
logs=$root/var/log/visualops
conf=$root/etc/opsagent.conf
lock=$state/opsagent.lock
opt=$root/opt/visualops
upgrade_state=$state/upgrade.json

say() {
    printf '%s opsagent-cron: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

[ -e "$state/disabled" ] && exit 0

if [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet opsagent.service 2>/dev/null \
        && ! systemctl is-active --quiet opsagent.service; then
        say "opsagent.service is enabled but not active; starting it"
        systemctl start opsagent.service
    fi
    exit 0
fi

agent_running() {
    pid=$(head -n 1 "$lock" 2>/dev/null) || return 1
    case $pid in
        '' | *[!0-9]*) return 1 ;;
    esac
    [ "$pid" != "$$" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'opsagent\.jar'
}

agent_running && exit 0

mkdir -p "$logs"
errors=$logs/agent.stderr
# Keep the start-up error file small: it only collects what the agent prints before its log is set up.
if [ -f "$errors" ] && [ "$(wc -c <"$errors")" -gt 1048576 ]; then
    mv -f "$errors" "$errors.1"
fi

why="the agent is not running"
. "$home/scripts/opsagent-probation.sh"
pick_agent

if [ -n "$root" ]; then
    set -- run --config "$conf" --root "$root"
else
    set -- run --config "$conf"
fi
say "$why; starting $agent $*"
# As config/opsagent.service: UMask=0027, Nice=10.
umask 0027
if command -v setsid >/dev/null 2>&1; then
    nice -n 10 setsid "$agent" "$@" </dev/null >/dev/null 2>>"$errors" &
else
    nice -n 10 nohup "$agent" "$@" </dev/null >/dev/null 2>>"$errors" &
fi
exit 0
