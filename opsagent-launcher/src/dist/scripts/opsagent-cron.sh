#!/bin/sh
# opsagent-keeper: runs from keeper/ (see opsagent-probation.sh)
# opsagent-cron.sh: keeps the OpsAgent running. /etc/cron.d/opsagent runs it as root every
# minute from /opt/visualops/keeper/, a copy of the scripts of a release that came up (from
# current/scripts/ only while that copy is missing; userdata.sh installs that line; see
# docs/operations.md).
#
# - Each run, while no switch is on probation, it refreshes keeper/ from the current release
#   (opsagent-probation.sh), and moves a cron line of an earlier release, which ran
#   current/scripts/opsagent-cron.sh, over to keeper/.
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
here=$(cd "$(dirname "$script")" && pwd)

state=$root/var/lib/visualops
logs=$root/var/log/visualops
conf=$root/etc/opsagent.conf
lock=$state/opsagent.lock
opt=$root/opt/visualops
upgrade_state=$state/upgrade.json

say() {
    printf '%s opsagent-cron: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

# In file $1, replaces the text $2 with $3 on each line that holds it, renaming the result into
# place; true when it did. The texts are paths, not patterns.
replace_in() {
    [ -f "$1" ] && grep -qF "$2" "$1" || return 1
    awk -v old="$2" -v new="$3" '{
        i = index($0, old)
        if (i) $0 = substr($0, 1, i - 1) new substr($0, i + length(old))
        print
    }' "$1" >"$1.new.$$" && chmod 644 "$1.new.$$" && mv -f "$1.new.$$" "$1" && return 0
    rm -f "$1.new.$$"
    return 1
}

[ -e "$state/disabled" ] && exit 0

refreshed=
. "$here/opsagent-probation.sh"
refresh_keeper
[ -z "$refreshed" ] || say "copied $refreshed of the current release to $keeper"
systemd=no
if [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemd=yes
fi
if [ -x "$keeper/opsagent-cron.sh" ]; then
    # A cron line written by an earlier release runs the keeper from current/scripts/.
    if replace_in "$root/etc/cron.d/opsagent" "root $opt/current/scripts/opsagent-cron.sh " \
        "root if [ -x $keeper/opsagent-cron.sh ]; then $keeper/opsagent-cron.sh; else $opt/current/scripts/opsagent-cron.sh; fi "; then
        say "$root/etc/cron.d/opsagent now runs the keeper from $keeper"
    fi
    # So does the ExecStart of a unit written by an earlier release (config/opsagent.service has the new one).
    unit=$root/etc/systemd/system/opsagent.service
    if replace_in "$unit" "ExecStart=$opt/current/scripts/opsagent-start.sh run" \
        "ExecStart=/bin/sh -c 'if [ -x $keeper/opsagent-start.sh ]; then exec $keeper/opsagent-start.sh \"\$\$@\"; else exec $opt/current/scripts/opsagent-start.sh \"\$\$@\"; fi' opsagent-start run"; then
        say "$unit now runs the keeper from $keeper"
        [ "$systemd" = no ] || systemctl daemon-reload
    fi
fi

if [ "$systemd" = yes ]; then
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
