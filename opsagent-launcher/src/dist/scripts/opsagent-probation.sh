# opsagent-probation.sh: sourced by opsagent-cron.sh and opsagent-start.sh (not run on its own).
# pick_agent decides which release to start. While a switch to a new release is on probation
# (upgrade.json holds "in_flight") it counts the starts of that release in probation-starts;
# once it was started 3 times without sending its first Handshake, it picks
# previous/bin/opsagent instead. That release sees that current points to the failed one,
# counts the failure and points current back at itself (docs/upgrade.md, section 6).
#
# Needs: home (the release the caller runs from), state, opt, upgrade_state. Sets: agent, and
# why (only when it falls back).

# "<release> <starts>": how often the release on probation was started.
probation_starts=$state/probation-starts
max_probation_starts=3

pick_agent() {
    agent=$home/bin/opsagent
    release=$(readlink "$opt/current" 2>/dev/null) || release=
    release=${release#releases/}
    if [ -n "$release" ] && grep -q '^ *"in_flight": *{' "$upgrade_state" 2>/dev/null; then
        # A switch on probation: the new release has not sent its first Handshake yet.
        last='' count=''
        # stderr first: dash opens redirections left to right, and a missing file is normal here.
        read -r last count 2>/dev/null <"$probation_starts" || true
        case $count in
            '' | *[!0-9]*) count=0 ;;
        esac
        [ "$last" = "$release" ] || count=0
        if [ "$count" -ge "$max_probation_starts" ] && [ -x "$opt/previous/bin/opsagent" ]; then
            agent=$opt/previous/bin/opsagent
            why="release $release was started $count times since the switch to it and is not running; falling back"
        else
            printf '%s %s\n' "$release" "$((count + 1))" >"$probation_starts.tmp" \
                && mv -f "$probation_starts.tmp" "$probation_starts"
        fi
    else
        rm -f "$probation_starts"
    fi
}
