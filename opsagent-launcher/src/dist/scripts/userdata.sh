#!/bin/bash
# The OpsAgent bootstrap: the instance userdata (see docs/operations.md, "Bootstrap").
#
# It downloads the release for this host from <BASE_REMOTE>/<VERSION>/ with its .sha256 file:
# on Linux x86-64 the platform release opsagent-linux-x64.tgz, which carries its own Java
# runtime; where there is none for the host's architecture (or it is not published), the plain
# opsagent.tgz, which needs a Java 17+ on the host. It checks the checksum, installs the release
# under /opt/visualops/releases/<VERSION>, points
# /opt/visualops/current at it, writes /etc/opsagent.conf, makes the token file if it is
# missing, and keeps the agent running: a line in /etc/cron.d/opsagent, and a systemd unit
# where systemd runs. Running it again changes nothing; with a new VERSION it upgrades.
#
# The backend fills in the settings below. An environment variable of the same name overrides
# each one. OPSAGENT_ROOT=DIR puts every path under DIR and then neither installs anything
# outside DIR nor starts the agent (for tests, unprivileged). OPSAGENT_DOWNLOADER=curl|wget
# picks the download tool; by default curl, else wget. OPSAGENT_ARCH overrides `uname -m`.
set -euo pipefail
umask 022

DEFAULT_WS_URI='@{ws_uri}'
DEFAULT_APP_ID='@{app_id}'
DEFAULT_VERSION='@{version}'
DEFAULT_BASE_REMOTE='@{remote}'
DEFAULT_GPG_KEY_URI='@{gpg_key_uri}'

WS_URI=${WS_URI:-$DEFAULT_WS_URI}
APP_ID=${APP_ID:-$DEFAULT_APP_ID}
VERSION=${VERSION:-$DEFAULT_VERSION}
BASE_REMOTE=${BASE_REMOTE:-$DEFAULT_BASE_REMOTE}
GPG_KEY_URI=${GPG_KEY_URI:-$DEFAULT_GPG_KEY_URI}
# Optional INI lines appended to /etc/opsagent.conf, e.g. $'[round]\ninterval = 5m'.
EXTRA_CONFIG=${EXTRA_CONFIG:-}

die() {
    echo "userdata: $*" >&2
    exit 1
}

say() {
    echo "userdata: $*"
}

# ---------------------------------------------------------------- settings

unfilled() {
    case $1 in
        '' | *'@{'*) return 0 ;;
        *) return 1 ;;
    esac
}

for name in WS_URI APP_ID VERSION BASE_REMOTE; do
    if unfilled "${!name}"; then
        die "$name is not set: the backend fills it in, or export $name=..."
    fi
done
if unfilled "$GPG_KEY_URI"; then
    GPG_KEY_URI=
fi
for name in WS_URI APP_ID VERSION BASE_REMOTE GPG_KEY_URI; do
    case ${!name} in
        *$'\n'* | *$'\r'*) die "$name must be one line" ;;
    esac
done
[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] \
    || die "VERSION '$VERSION' may hold only letters, digits, '.', '_' and '-'"
[[ $WS_URI =~ ^wss?://[^/]+ ]] || die "WS_URI '$WS_URI' must be a ws:// or wss:// URI"
[[ $BASE_REMOTE =~ ^https?://[^/]+ ]] || die "BASE_REMOTE '$BASE_REMOTE' must be an http:// or https:// URL"
BASE_REMOTE=${BASE_REMOTE%/}

ROOT=${OPSAGENT_ROOT:-}
ROOT=${ROOT%/}
if [ -n "$ROOT" ]; then
    [[ $ROOT =~ ^/[A-Za-z0-9/._-]*$ ]] \
        || die "OPSAGENT_ROOT '$ROOT' must be an absolute path of letters, digits, '/', '.', '_' and '-'"
    [ -d "$ROOT" ] || die "OPSAGENT_ROOT $ROOT is not a directory"
fi

OPT=$ROOT/opt/visualops
RELEASES=$OPT/releases
RELEASE=$RELEASES/$VERSION
STATE=$ROOT/var/lib/visualops
LOGS=$ROOT/var/log/visualops
CONF=$ROOT/etc/opsagent.conf
TOKEN=$ROOT/etc/opsagent.token
CRON_FILE=$ROOT/etc/cron.d/opsagent
UNIT_FILE=$ROOT/etc/systemd/system/opsagent.service

case ${OPSAGENT_DOWNLOADER:-} in
    '')
        if command -v curl >/dev/null 2>&1; then
            DOWNLOADER=curl
        elif command -v wget >/dev/null 2>&1; then
            DOWNLOADER=wget
        else
            die "neither curl nor wget is installed"
        fi
        ;;
    curl | wget) DOWNLOADER=$OPSAGENT_DOWNLOADER ;;
    *) die "OPSAGENT_DOWNLOADER must be curl or wget, not '$OPSAGENT_DOWNLOADER'" ;;
esac

try_fetch() { # URL FILE; fails quietly (a missing file is an answer)
    if [ "$DOWNLOADER" = curl ]; then
        curl --fail --silent --location --retry 5 --retry-delay 2 --connect-timeout 10 \
            --max-time 900 --output "$2" "$1" 2>/dev/null
    else
        wget --quiet --tries=5 --waitretry=2 --timeout=10 --output-document="$2" "$1"
    fi
}

fetch() { # URL FILE
    try_fetch "$1" "$2" || die "cannot download $1 ($DOWNLOADER)"
}

# A Java for the plain release, found as bin/opsagent finds it.
host_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        echo "$JAVA_HOME/bin/java"
    else
        command -v java 2>/dev/null
    fi
}

# Writes what the command "$3..." prints to file $1 with mode $2, atomically, and only when it
# differs from what is there. Sets CHANGED=yes when it wrote.
CHANGED=no
write_file() {
    local file=$1 mode=$2
    shift 2
    mkdir -p "$(dirname "$file")"
    local temp
    temp=$(mktemp "$file.new.XXXXXX")
    "$@" >"$temp"
    chmod "$mode" "$temp"
    if [ -f "$file" ] && cmp -s "$temp" "$file" && [ "$(stat -c %a "$file")" = "$mode" ]; then
        rm -f "$temp"
        CHANGED=no
    else
        mv -f "$temp" "$file"
        CHANGED=yes
    fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/opsagent-userdata.XXXXXX")
STAGING=
cleanup() {
    rm -rf "$WORK"
    if [ -n "$STAGING" ]; then
        rm -rf "$STAGING"
    fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- download and verify

# The platform release carries its own Java; the plain one runs on the host's.
ARCH=${OPSAGENT_ARCH:-$(uname -m)}
case $ARCH in
    x86_64 | amd64) PLATFORM=linux-x64 ;;
    *) PLATFORM= ;;
esac
URL=
if [ -n "$PLATFORM" ] && try_fetch "$BASE_REMOTE/$VERSION/opsagent-$PLATFORM.tgz.sha256" "$WORK/opsagent.tgz.sha256"; then
    URL=$BASE_REMOTE/$VERSION/opsagent-$PLATFORM.tgz
    say "using the platform release for $ARCH, which brings its own Java"
elif JAVA=$(host_java); then
    URL=$BASE_REMOTE/$VERSION/opsagent.tgz
    if [ -n "$PLATFORM" ]; then
        say "no platform release at $BASE_REMOTE/$VERSION/opsagent-$PLATFORM.tgz; using the plain release with $JAVA"
    else
        say "no platform release for $ARCH; using the plain release with $JAVA"
    fi
    fetch "$URL.sha256" "$WORK/opsagent.tgz.sha256"
elif [ -n "$PLATFORM" ]; then
    die "cannot download $BASE_REMOTE/$VERSION/opsagent-$PLATFORM.tgz.sha256, and the plain release needs a Java 17+, which this host does not have (no \$JAVA_HOME/bin/java, no java on PATH); nothing was installed"
else
    die "there is no platform release for $ARCH, and the plain release needs a Java 17+, which this host does not have (no \$JAVA_HOME/bin/java, no java on PATH); nothing was installed"
fi
EXPECTED=$(awk 'NR == 1 { print $1 }' "$WORK/opsagent.tgz.sha256")
[[ $EXPECTED =~ ^[0-9a-fA-F]{64}$ ]] || die "$URL.sha256 does not hold a SHA-256 checksum; nothing was installed"
EXPECTED=${EXPECTED,,}

if [ -f "$RELEASE/.sha256" ] && [ "$(cat "$RELEASE/.sha256")" = "$EXPECTED" ]; then
    say "release $VERSION is already installed in $RELEASE"
else
    fetch "$URL" "$WORK/opsagent.tgz"
    ACTUAL=$(sha256sum "$WORK/opsagent.tgz" | awk '{ print $1 }')
    [ "$ACTUAL" = "$EXPECTED" ] \
        || die "checksum mismatch for $URL: expected $EXPECTED, got $ACTUAL; nothing was installed"
    # Only relative regular files and directories: no absolute paths, no '..', no links.
    tar -tvzf "$WORK/opsagent.tgz" >"$WORK/listing" 2>/dev/null || die "$URL is not a gzip tar archive"
    if grep -qvE '^[-d]' "$WORK/listing"; then
        die "$URL holds links or special files; refusing it, nothing was installed"
    fi
    tar -tzf "$WORK/opsagent.tgz" >"$WORK/names"
    if grep -qE '^/|(^|/)\.\.(/|$)' "$WORK/names"; then
        die "$URL holds an absolute path or '..'; refusing it, nothing was installed"
    fi

    # ------------------------------------------------------------ install
    mkdir -p "$RELEASES"
    chmod 755 "$OPT" "$RELEASES"
    STAGING=$(mktemp -d "$RELEASES/.staging.XXXXXX")
    tar -xzf "$WORK/opsagent.tgz" -C "$STAGING" --no-same-owner
    if [ ! -f "$STAGING/bin/opsagent" ] || [ ! -f "$STAGING/lib/opsagent.jar" ]; then
        die "$URL is not an opsagent release (no bin/opsagent or lib/opsagent.jar); nothing was installed"
    fi
    if [ "$URL" != "$BASE_REMOTE/$VERSION/opsagent.tgz" ] && [ ! -x "$STAGING/runtime/bin/java" ]; then
        die "$URL is not a platform release (no runtime/bin/java); nothing was installed"
    fi
    printf '%s\n' "$EXPECTED" >"$STAGING/.sha256"
    chmod 755 "$STAGING"
    if [ -e "$RELEASE" ]; then
        # The same version with other content: keep nothing of the old one.
        mv -T "$RELEASE" "$WORK/replaced"
    fi
    mv -T "$STAGING" "$RELEASE"
    STAGING=
    say "installed release $VERSION in $RELEASE"
fi

SWITCHED=no
if [ "$(readlink "$OPT/current" 2>/dev/null || true)" != "releases/$VERSION" ]; then
    ln -sfn "releases/$VERSION" "$OPT/.current.new"
    mv -T "$OPT/.current.new" "$OPT/current"
    SWITCHED=yes
    say "$OPT/current -> releases/$VERSION"
fi

# ---------------------------------------------------------------- host files

install -d -m 700 "$STATE"
install -d -m 750 "$LOGS"

config_text() {
    echo "# Written by the OpsAgent bootstrap (userdata.sh), which rewrites it at every run."
    echo "# config/opsagent.conf in the release describes every key."
    echo
    echo "[userdata]"
    echo "ws_uri = $WS_URI"
    echo "app_id = $APP_ID"
    echo "version = $VERSION"
    echo "base_remote = $BASE_REMOTE"
    if [ -n "$GPG_KEY_URI" ]; then
        echo "gpg_key_uri = $GPG_KEY_URI"
    fi
    if [ -n "$EXTRA_CONFIG" ]; then
        echo
        printf '%s\n' "$EXTRA_CONFIG"
    fi
}
write_file "$CONF" 640 config_text
[ "$CHANGED" = yes ] && say "wrote $CONF"

if [ ! -e "$TOKEN" ]; then
    mkdir -p "$(dirname "$TOKEN")"
    NEW_TOKEN=$(mktemp "$TOKEN.new.XXXXXX")
    head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$NEW_TOKEN"
    chmod 600 "$NEW_TOKEN"
    # A hard link never replaces a token that appeared meanwhile.
    ln "$NEW_TOKEN" "$TOKEN" 2>/dev/null || true
    rm -f "$NEW_TOKEN"
    say "made the token file $TOKEN"
elif (( 8#$(stat -c %a "$TOKEN") & 8#077 )); then
    chmod go-rwx "$TOKEN"
    say "removed group and other access to $TOKEN"
fi

# ---------------------------------------------------------------- keep it running

# The cron line and the unit run the keeper from a copy of the release's scripts outside
# releases/, which the keeper itself refreshes from releases that came up: a new release on
# probation without working scripts cannot take away the fallback to the previous one
# (docs/upgrade.md, section 6). A release whose scripts do not say they run from there leaves
# the copy as it is.
KEEPER=$OPT/keeper
KEEPER_SCRIPTS=(opsagent-probation.sh opsagent-start.sh opsagent-cron.sh)
keeper_ready=yes
for name in "${KEEPER_SCRIPTS[@]}"; do
    grep -q '^# opsagent-keeper: runs from keeper/' "$RELEASE/scripts/$name" 2>/dev/null || keeper_ready=no
done
if [ "$keeper_ready" = yes ]; then
    for name in "${KEEPER_SCRIPTS[@]}"; do
        write_file "$KEEPER/$name" 755 cat "$RELEASE/scripts/$name"
        [ "$CHANGED" = yes ] && say "wrote $KEEPER/$name"
    done
fi

cron_text() {
    echo "# Keeps the OpsAgent running; written by userdata.sh."
    echo "SHELL=/bin/sh"
    echo "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    if [ -n "$ROOT" ]; then
        echo "OPSAGENT_ROOT=$ROOT"
    fi
    echo "* * * * * root if [ -x $KEEPER/opsagent-cron.sh ]; then $KEEPER/opsagent-cron.sh; else $OPT/current/scripts/opsagent-cron.sh; fi >>$LOGS/cron.log 2>&1"
}
write_file "$CRON_FILE" 644 cron_text
[ "$CHANGED" = yes ] && say "wrote $CRON_FILE"

SYSTEMD=no
if [ -d "$ROOT/run/systemd/system" ]; then
    SYSTEMD=yes
    unit_text() {
        if [ -n "$ROOT" ]; then
            sed "/^ExecStart=/ { s#/opt/visualops/#$OPT/#g; s#^ExecStart=#ExecStart=/usr/bin/env OPSAGENT_ROOT=$ROOT #; s# run\$# run --root $ROOT#; }" \
                "$RELEASE/scripts/opsagent.service"
        else
            cat "$RELEASE/scripts/opsagent.service"
        fi
    }
    write_file "$UNIT_FILE" 644 unit_text
    if [ "$CHANGED" = yes ]; then
        say "wrote $UNIT_FILE"
        if [ -z "$ROOT" ]; then
            systemctl daemon-reload
        fi
    fi
    if [ -z "$ROOT" ]; then
        systemctl enable --quiet opsagent.service
    fi
fi

if [ -n "$ROOT" ]; then
    say "done; OPSAGENT_ROOT is set, so the agent is not started"
    exit 0
fi

if [ "$SYSTEMD" = yes ]; then
    if [ "$SWITCHED" = yes ]; then
        systemctl restart opsagent.service
    else
        systemctl start opsagent.service
    fi
else
    if [ "$SWITCHED" = yes ]; then
        PID=$(head -n 1 "$STATE/opsagent.lock" 2>/dev/null || true)
        if [[ $PID =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q 'opsagent\.jar'; then
            say "stopping the agent (pid $PID) to start release $VERSION"
            kill -TERM "$PID" || true
        fi
    fi
    if [ -x "$KEEPER/opsagent-cron.sh" ]; then
        "$KEEPER/opsagent-cron.sh"
    else
        "$OPT/current/scripts/opsagent-cron.sh"
    fi
fi
say "done"
