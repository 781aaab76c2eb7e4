# opsagent-probation.sh: sourced by opsagent-cron.sh and opsagent-start.sh (not run on its own).
# opsagent-keeper: runs from keeper/ (this line lets a release's scripts be copied there)
#
# pick_agent decides which release to start. While a switch to a new release is on probation
# (upgrade.json holds "in_flight") it counts the starts of that release in probation-starts;
# once it was started 3 times without sending its first Handshake, it picks
# previous/bin/opsagent instead. That release sees that current points to the failed one,
# counts the failure and points current back at itself (docs/upgrade.md, section 6).
#
# refresh_keeper keeps keeper/ (beside releases/) a copy of the scripts of a release that came
# up. The cron line and the systemd unit run the keeper from there, so a release on probation
# whose scripts/ are missing or broken cannot take the fallback away.
#
# Needs: state, opt, upgrade_state. Sets: agent, and why (only when it falls back).

# "<release> <starts>": how often the release on probation was started.
probation_starts=$state/probation-starts
max_probation_starts=3
keeper=$opt/keeper
# The probation logic first: a run cut short between two files then finds the functions that
# the newer caller needs.
keeper_scripts='opsagent-probation.sh opsagent-start.sh opsagent-cron.sh'

on_probation() {
    # A switch on probation: the new release has not sent its first Handshake yet.
    grep -q '^ *"in_flight": *{' "$upgrade_state" 2>/dev/null
}

pick_agent() {
    agent=$opt/current/bin/opsagent
    release=$(readlink "$opt/current" 2>/dev/null) || release=
    release=${release#releases/}
    if [ -n "$release" ] && on_probation; then
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

# Copies the scripts of the release current points to into keeper/, each file renamed into
# place, when no switch is on probation and they differ. current is read before upgrade.json:
# the agent records a switch in flight before it moves current, so a release on probation is
# never taken for one that came up. A release's scripts are taken only all together, when each
# parses and says it runs from keeper/ (the line at the top of this file): an older release,
# after a downgrade, leaves keeper/ as it is. Nothing here stops the agent from starting.
refresh_keeper() {
    from=$(readlink "$opt/current" 2>/dev/null) || return 0
    case $from in
        /*) ;;
        *) from=$opt/$from ;;
    esac
    on_probation && return 0
    for name in $keeper_scripts; do
        [ -f "$from/scripts/$name" ] && grep -q '^# opsagent-keeper: runs from keeper/' "$from/scripts/$name" \
            && sh -n "$from/scripts/$name" 2>/dev/null || return 0
    done
    for name in $keeper_scripts; do
        cmp -s "$from/scripts/$name" "$keeper/$name" && continue
        if mkdir -p "$keeper" 2>/dev/null && cp "$from/scripts/$name" "$keeper/.$name.new.$$" 2>/dev/null \
            && chmod 755 "$keeper/.$name.new.$$" && mv -f "$keeper/.$name.new.$$" "$keeper/$name"; then
            refreshed="${refreshed:+$refreshed }$name"
        else
            rm -f "$keeper/.$name.new.$$"
            return 0
        fi
    done
}
