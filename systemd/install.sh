#!/usr/bin/env bash
# Installs (or upgrades) Media Pipeline as a systemd service, from a built checkout (target/media-pipeline.jar and
# target/lib/, after `mvn -B -DskipTests package` or `bin/media-pipeline demo`) or from a release folder
# (media-pipeline.jar and lib/ beside routes/, config/, supabase/, bin/).
#
#   systemd/install.sh              as root: install or upgrade on this machine
#   systemd/install.sh --root DIR   into a staging root (packagers, tests): no useradd, no systemctl, owners only
#                                   where the user exists here
#
# What it makes:
#   user and group media-pipeline      system account, no login shell, no home files
#   /opt/media-pipeline                the release, owned by root (the service cannot change its own code)
#   /var/lib/media-pipeline            the data (pipeline.home), 0700 media-pipeline
#   /etc/media-pipeline                0750 root:media-pipeline:
#     env                              secrets for the unit's EnvironmentFile (0600 root:root: systemd reads it as
#                                      root, the service never opens it), with a random PIPELINE_MANAGEMENT_TOKEN;
#                                      written once, never overwritten
#     media-pipeline.properties        this machine's settings (--config; 0640 root:media-pipeline); written once
#   (owner and mode of env and the settings are set again on every run)
#     jmx.properties, jmx.password, jmx.access   by `media-pipeline install-jmx` (0600 media-pipeline); written once
#   /etc/systemd/system/media-pipeline.service   the unit (0644), replaced on every run (local changes: systemctl edit)
# A second run upgrades the release and the unit and keeps the data, the env file, the settings and the JMX files.
set -euo pipefail
umask 022

NAME=media-pipeline
SERVICE_USER=media-pipeline
ROOT=""

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '%s\n' "install: $*"; }
die() { printf '%s\n' "install: $*" >&2; exit 1; }

while (( $# )); do
  case "$1" in
    --root) [[ $# -ge 2 && -n "$2" ]] || die "--root needs a folder"; ROOT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ "$ROOT" == / ]] && ROOT=""
if [[ -z "$ROOT" && "$(id -u)" != 0 ]]; then
  die "run as root (sudo $0), or into a staging folder with --root DIR"
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -f "$SRC/media-pipeline.jar" && -d "$SRC/lib" ]]; then
  JAR="$SRC/media-pipeline.jar"; LIB="$SRC/lib"
elif [[ -f "$SRC/target/media-pipeline.jar" && -d "$SRC/target/lib" ]]; then
  JAR="$SRC/target/media-pipeline.jar"; LIB="$SRC/target/lib"
else
  die "no build in $SRC: run 'mvn -B -q -DskipTests package' there first (it makes target/media-pipeline.jar and target/lib/)"
fi
for d in routes config supabase bin systemd; do
  [[ -d "$SRC/$d" ]] || die "$SRC/$d is missing: not a checkout or release of media-pipeline"
done

OPT="$ROOT/opt/$NAME"
DATA="$ROOT/var/lib/$NAME"
ETC="$ROOT/etc/$NAME"
UNIT="$ROOT/etc/systemd/system/$NAME.service"
# paths as the installed system sees them (what the files written here refer to)
LIVE_ETC="/etc/$NAME"
LIVE_DATA="/var/lib/$NAME"

AM_ROOT=false; [[ "$(id -u)" == 0 ]] && AM_ROOT=true
SYSTEMD=false; [[ -z "$ROOT" && -d /run/systemd/system ]] && SYSTEMD=true

# --- the user --------------------------------------------------------------------------------------------------
if [[ -z "$ROOT" ]] && ! getent passwd "$SERVICE_USER" >/dev/null; then
  group_opt=(--user-group)
  getent group "$SERVICE_USER" >/dev/null && group_opt=(--gid "$SERVICE_USER")
  nologin=/usr/sbin/nologin; [[ -x "$nologin" ]] || nologin=/bin/false
  useradd --system "${group_opt[@]}" --no-create-home --home-dir "$LIVE_DATA" --shell "$nologin" \
    --comment "Media Pipeline service" "$SERVICE_USER"
  say "created the system user $SERVICE_USER"
fi
# owners are set only where they can be: as root, for a user this machine knows
OWN=false
$AM_ROOT && getent passwd "$SERVICE_USER" >/dev/null && OWN=true
$OWN || say "note: files are left owned by $(id -un) (no user $SERVICE_USER here, or not root); set owners when installing"

own() { # own OWNER:GROUP MODE PATH: the owner only as root and when this machine knows both accounts
  if $AM_ROOT && getent passwd "${1%%:*}" >/dev/null && getent group "${1#*:}" >/dev/null; then chown "$1" "$3"; fi
  chmod "$2" "$3"
}

# --- stop a running service while its release is replaced ------------------------------------------------------
RESTART=false
if $SYSTEMD && systemctl is-active --quiet "$NAME"; then
  say "stopping $NAME for the upgrade"
  systemctl stop "$NAME"
  RESTART=true
  trap 'say "the upgrade failed; $NAME is stopped (systemctl start $NAME runs the release that is in place)"' ERR
fi

# --- the release: each part copied beside its old copy, then swapped in -------------------------------------------
mkdir -p "$OPT"
own root:root 0755 "$OPT"
put() { # put SOURCE NAME: replaces $OPT/NAME with a copy of SOURCE, read-only for everyone but root
  local dst="$OPT/$2"
  rm -rf "$dst.new" "$dst.old"
  cp -R "$1" "$dst.new"
  $OWN && chown -R root:root "$dst.new"
  chmod -R u+rwX,go-w,go+rX "$dst.new"
  [[ -e "$dst" ]] && mv "$dst" "$dst.old"
  mv "$dst.new" "$dst"
  rm -rf "$dst.old"
}
put "$JAR" media-pipeline.jar
put "$LIB" lib
for d in routes config supabase bin systemd; do put "$SRC/$d" "$d"; done
[[ -f "$SRC/README.md" ]] && put "$SRC/README.md" README.md
# icloudpd: the platform binary `bin/media-pipeline setup` put under .tools/ (the default pipeline.source.icloud.binary)
ICLOUDPD=.tools/node_modules/@icloudpd/linux-x64/bin/icloudpd
if [[ -f "$SRC/$ICLOUDPD" ]]; then
  mkdir -p "$(dirname "$OPT/$ICLOUDPD")"
  cp "$SRC/$ICLOUDPD" "$OPT/$ICLOUDPD.new"
  chmod 0755 "$OPT/$ICLOUDPD.new"
  mv "$OPT/$ICLOUDPD.new" "$OPT/$ICLOUDPD"
  $OWN && chown -R root:root "$OPT/.tools"
  chmod -R go-w,go+rX "$OPT/.tools"
else
  say "note: no icloudpd in $SRC/.tools (the iCloud download needs it: run bin/media-pipeline setup there, then this again)"
fi
if [[ -d "$OPT/data" ]]; then
  say "note: $OPT/data is from an older install; the data directory is now $LIVE_DATA (move it, or set pipeline.home)"
fi

# --- the data directory --------------------------------------------------------------------------------------------
mkdir -p "$DATA"
# only the top folder: the data below is the service's own and may be large
own "$SERVICE_USER:$SERVICE_USER" 0700 "$DATA"

# --- /etc/media-pipeline ----------------------------------------------------------------------------------------------
mkdir -p "$ETC"
own "root:$SERVICE_USER" 0750 "$ETC"

# new_file OWNER:GROUP MODE PATH: runs the writer (stdin) into PATH only when PATH does not exist, with that owner
# and mode from the start; an existing PATH keeps its content but gets that owner and mode back (a loosened file
# would otherwise stay loose)
new_file() {
  local owner="$1" mode="$2" path="$3" tmp="$3.new"
  if [[ -e "$path" ]]; then
    own "$owner" "$mode" "$path"
    say "kept $path"
    cat >/dev/null
    return 0
  fi
  rm -f "$tmp"
  (umask 077; cat > "$tmp")
  own "$owner" "$mode" "$tmp"
  mv "$tmp" "$path"
  say "wrote $path"
}

# the launcher's random token; sourced in the command's subshell, where it only defines its functions
management_token="$(source "$SRC/bin/media-pipeline" && random_token)"
[[ "$management_token" =~ ^[0-9a-f]{64}$ ]] || die "could not make a random token (od, /dev/urandom)"
# systemd reads EnvironmentFile= as root before it starts the service; the service never opens this file
new_file root:root 0600 "$ETC/env" <<ENV
# Secrets of the media-pipeline service, read by systemd (EnvironmentFile=) as root, and by nobody else: keep it
# 0600 root:root (install.sh sets that again on every run). One VAR=value a line. Written once by install.sh, never
# overwritten. Restart after a change: systemctl restart $NAME

# The dashboard's and the metrics endpoint's token (open http://127.0.0.1:8765/?token=THIS once; Prometheus sends it
# as a bearer token). Change it by writing a new one (at least 32 characters), then restart.
PIPELINE_MANAGEMENT_TOKEN=$management_token

# The Apple ID password for the iCloud download (one account), or per account (ANNA = its name in
# pipeline.source.icloud.accounts, upper case)
#PIPELINE_SOURCE_ICLOUD_PASSWORD=
#PIPELINE_SOURCE_ICLOUD_ACCOUNT_ANNA_PASSWORD=

# Syncthing's API key on this server (Pixel delivery), and the phone's when cleanup of the bridge is on
#PIPELINE_TARGET_PIXEL_API_KEY=
#PIPELINE_TARGET_PIXEL_PHONE_API_KEY=

# Notifications: ntfy access token (for a protected topic), Telegram bot token (from @BotFather)
#PIPELINE_NOTIFY_NTFY_TOKEN=
#PIPELINE_NOTIFY_TELEGRAM_TOKEN=

# An external PostgreSQL (pipeline.db.url); the embedded one makes its own password
#PIPELINE_DB_PASSWORD=
ENV

# the service reads this one itself (--config)
new_file "root:$SERVICE_USER" 0640 "$ETC/$NAME.properties" <<PROPS
# This machine's settings for media-pipeline: each key here wins over /opt/$NAME/config/application.properties,
# where every key is listed with its meaning and default. An unknown key stops the service with a message naming it.
# Secrets (passwords, API keys, tokens) go into $LIVE_ETC/env instead. Written once by install.sh, never
# overwritten. Restart after a change: systemctl restart $NAME ; check first with
#   systemd-run --pipe --wait -p User=$SERVICE_USER -p EnvironmentFile=$LIVE_ETC/env -p WorkingDirectory=/opt/$NAME \\
#     /opt/$NAME/bin/media-pipeline doctor --config $LIVE_ETC/$NAME.properties

# The data (README "Data directory"). Elsewhere, e.g. on a NAS: change it here AND add, with
# \`systemctl edit $NAME\`, [Service] ReadWritePaths=<the folder> and [Unit] RequiresMountsFor=<the folder>.
pipeline.home=$LIVE_DATA
# A file that exists only while the NAS is mounted: nothing is written or deleted while it is missing.
#pipeline.guard.marker=$LIVE_DATA/.nas-mounted

# Sources
#pipeline.source.folder.enabled=true
#pipeline.source.folder.path=/srv/photos/exports
#pipeline.source.icloud.enabled=true
#pipeline.source.icloud.username=you@example.com

# Stages and targets
#pipeline.compress.enabled=true
#pipeline.target.pixel.enabled=true
#pipeline.target.pixel.folder-id=
#pipeline.target.pixel.device-id=
#pipeline.target.icloud.enabled=true
#pipeline.cleanup.enabled=true

# The dashboard, health and metrics (loopback only by default)
#pipeline.management.port=8765

# Notifications (ntfy, Telegram: README "Notifications")
#pipeline.notify.enabled=true
PROPS

# JMX: written once (new passwords would lock out whatever knows the old ones); rerun install-jmx to change them
if [[ -f "$ETC/jmx.properties" && -f "$ETC/jmx.password" && -f "$ETC/jmx.access" ]]; then
  say "kept the JMX files in $ETC"
else
  jmx_owner="$SERVICE_USER"
  $OWN || jmx_owner="$(id -un)"
  "$OPT/bin/media-pipeline" install-jmx "$ETC" --owner "$jmx_owner" >/dev/null
  if [[ -n "$ROOT" ]]; then
    # the files name each other by absolute path: the installed system's, not the staging folder's
    sed -i "s#=$ETC/#=$LIVE_ETC/#" "$ETC/jmx.properties"
  fi
  say "wrote the JMX files (jmx.properties, jmx.password, jmx.access) in $ETC"
fi

# bin/jvm-options picks the parallel collector, and java refuses to start with two
if grep -qE '^[[:space:]]*JAVA_OPTS=.*-XX:\+Use(G1|Serial|Z|Shenandoah|Epsilon)GC' "$ETC/env" 2>/dev/null \
    && ! grep -qE '^[[:space:]]*JAVA_OPTS=.*-XX:-UseParallelGC' "$ETC/env"; then
  say "note: JAVA_OPTS in $ETC/env picks a garbage collector: put -XX:-UseParallelGC before it (bin/jvm-options picks the parallel one, and java starts with one only)"
fi

# --- the unit --------------------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$UNIT")"
cp "$SRC/systemd/$NAME.service" "$UNIT.new"
own root:root 0644 "$UNIT.new"
mv "$UNIT.new" "$UNIT"
say "installed $UNIT"
if $SYSTEMD; then
  systemctl daemon-reload
  if $RESTART; then
    trap - ERR
    say "starting $NAME again"
    systemctl start "$NAME"
  fi
elif [[ -z "$ROOT" ]]; then
  say "note: systemd is not running here: no daemon-reload (run 'systemctl daemon-reload' once it is)"
fi

port="$(sed -n 's/^[[:space:]]*pipeline\.management\.port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$ETC/$NAME.properties" | tail -1)"
cat <<NEXT

Installed $NAME into ${ROOT:+$ROOT}/opt/$NAME. Next:
  1. Settings: edit $LIVE_ETC/$NAME.properties (sources, targets; every key in /opt/$NAME/config/application.properties)
  2. Secrets:  edit $LIVE_ETC/env (Apple ID password, Syncthing API key, notification tokens; 0600 root, never in the settings)
  3. Start:    systemctl enable --now $NAME      Logs: journalctl -u $NAME -f
  4. Dashboard: http://127.0.0.1:${port:-8765}/?token=TOKEN  (TOKEN is PIPELINE_MANAGEMENT_TOKEN in $LIVE_ETC/env:
               sudo grep PIPELINE_MANAGEMENT_TOKEN $LIVE_ETC/env); from another machine: ssh -L ${port:-8765}:127.0.0.1:${port:-8765}
NEXT
