#!/bin/sh
# opsagent-keeper: runs from keeper/ (see opsagent-probation.sh)
# opsagent-start.sh: systemd's ExecStart (scripts/opsagent.service), which runs it from
# /opt/visualops/keeper/, a copy of the scripts of a release that came up (from
# current/scripts/ only while that copy is missing). It runs current/bin/opsagent with its
# arguments, or, like the cron keeper, previous/bin/opsagent once a release on probation was
# started 3 times without sending its first Handshake (see opsagent-probation.sh), so that a
# release whose bin/opsagent exits at once is not restarted forever. OPSAGENT_ROOT prefixes
# every path (tests).
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
opt=$root/opt/visualops
upgrade_state=$state/upgrade.json
mkdir -p "$state"

why="starting the agent"
refreshed=
. "$here/opsagent-probation.sh"
refresh_keeper
[ -z "$refreshed" ] || printf 'opsagent-start: copied %s of the current release to %s\n' "$refreshed" "$keeper" >&2
pick_agent

printf 'opsagent-start: %s; starting %s %s\n' "$why" "$agent" "$*" >&2
exec "$agent" "$@"
