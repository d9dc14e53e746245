# Shared by bench/run and bench/backfill (sourced): timing and peak memory of a command, and number formatting.
# Needs $tmp (where each command's log goes) and $time_bin (GNU time, or "none") set by the caller.

# measure NAME CMD...: runs CMD with its output in $tmp/NAME.log; sets wall_s (seconds) and rss_mb,
# the peak resident set of the largest single process in CMD's tree.

# Fallback when GNU time is missing: largest VmHWM among PID and its descendants, right now. Pure
# bash, to take little CPU from what is measured; a process shorter than one interval can be missed.
tree_hwm_kb() {
  local root=$1 best=0 pid ppid rest
  local -A parent=()
  local -a tree=("$root")
  for stat in /proc/[0-9]*/stat; do
    { read -r rest <"$stat"; } 2>/dev/null || continue
    pid=${rest%% *}
    rest=${rest##*) }          # skip "(comm)", which may hold spaces
    read -r _ ppid _ <<<"$rest"
    parent[$pid]=$ppid
  done
  local changed=true
  while $changed; do
    changed=false
    for pid in "${!parent[@]}"; do
      if [[ " ${tree[*]} " == *" ${parent[$pid]} "* && " ${tree[*]} " != *" $pid "* ]]; then
        tree+=("$pid"); changed=true
      fi
    done
  done
  local key value
  for pid in "${tree[@]}"; do
    while read -r key value _; do
      if [[ $key == VmHWM: ]]; then
        (( value > best )) && best=$value
        break
      fi
    done 2>/dev/null <"/proc/$pid/status" || true
  done
  echo "$best"
}

measure() {
  local name=$1; shift
  local log="$tmp/$name.log" start end rss_kb=0 status=0
  start=$(date +%s%N)
  if [[ -x $time_bin ]]; then
    "$time_bin" -o "$tmp/$name.time" -f '%M' "$@" >"$log" 2>&1 || status=$?
    rss_kb=$(tail -n 1 "$tmp/$name.time")
    date +%s%N >"$tmp/$name.end"
  else
    # The subshell stamps its own end, so the sampling interval does not inflate the wall time.
    ( status=0; "$@" >"$log" 2>&1 || status=$?; date +%s%N >"$tmp/$name.end"; exit "$status" ) &
    local pid=$! now
    while kill -0 "$pid" 2>/dev/null; do
      now=$(tree_hwm_kb "$pid")
      (( now > rss_kb )) && rss_kb=$now
      sleep 0.1
    done
    wait "$pid" || status=$?
  fi
  end=$(cat "$tmp/$name.end" 2>/dev/null || date +%s%N)
  wall_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  return "$status"
}

div() {
  [[ $1 == null || $2 == null ]] && { echo null; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "null" }'
}
ratio() {
  [[ $1 == null || $2 == null ]] && { echo null; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }'
}
show() { [[ $1 == null ]] && echo - || echo "$1"; }


# --- corpus pictures: bench_blobs SIZE, bench_mix ---------------------------------------------------------------
# testsrc2's frames differ in bytes (a frame counter) but are one picture to a perceptual hash (at N=1000 all in one
# near-duplicate group). Mixed 15:85 with smooth random colour blobs of their own (16x12 random pixels scaled up),
# they are different pictures, as a camera roll's are: no pair within 6 bits among 1000 such frames (closest: 8).
bench_blobs() {
  echo "nullsrc=s=16x12:r=25,geq=lum='random(1)*255':cb='random(2)*255':cr='random(3)*255',scale=$1:flags=bicubic,format=yuv420p"
}
bench_mix="[0:v]format=yuv420p[a];[a][1:v]blend=all_expr='A*0.15+B*0.85'"

# --- the launcher's class archive: bench_class_archive ------------------------------------------------------------
# bin/media-pipeline starts the JVM with a class archive made once per build (class_archive there); the benchmarks
# make it the same way, untimed, and set java_cds to the option the launcher passes (empty when none could be made).
bench_class_archive() {
  local option
  option="$(. "$APP_HOME/bin/media-pipeline"; class_archive; class_archive_option)"
  java_cds=()
  [[ -n "$option" ]] && java_cds=("$option")
  return 0
}
