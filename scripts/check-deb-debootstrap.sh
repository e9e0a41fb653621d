#!/usr/bin/env bash
# Installs the .deb in a fresh Debian 12 (bookworm) root made by debootstrap, with apt (so its
# Depends are resolved against the archive, and its Recommends too), and runs what a user would:
# `vramcalc --params 7B --gpu L4`, `vramcalc -V`, the man page, the bash completion and the
# dlopen of libcurl. One line per failed check; the root is removed on every exit path.
#
#   scripts/check-deb-debootstrap.sh [--mirror URL] [--cache DIR] [DEB | BUILD_DIR]
#
# DEB defaults to the vramcalc_*.deb that `cpack -G DEB` wrote in BUILD_DIR (default: build).
# The mirror: --mirror, else $VRAMCALC_DEBIAN_MIRROR, else the first source of this machine's
# apt that serves bookworm main, else http://deb.debian.org/debian. The packages debootstrap
# fetches are kept as a tarball in --cache DIR (default: DEB's folder/debootstrap-cache; delete
# it to fetch afresh), so a rerun reads the archive's indexes and the .deb's dependencies only.
# Needs root (debootstrap, chroot, mount) and the debootstrap package
# (scripts/install-deps.sh --deb-check).
set -euo pipefail

suite=bookworm
arch=$(dpkg --print-architecture)
# man-db gives `man -w` to check the man page with. It cannot hide a missing Depends: what it
# pulls in beyond minbase (groff-base, libgdbm6, libpipeline1, libuchardet0, bsdextrautils ...)
# is nothing vramcalc links or loads.
include=man-db

say() { echo "check-deb: $*" >&2; }
die() {
  say "FAIL: $*"
  exit 1
}

mirror=${VRAMCALC_DEBIAN_MIRROR:-}
cache=""
target=build
while [ $# -gt 0 ]; do
  case $1 in
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) target=$1; shift ;;
  esac
done

if [ -d "$target" ]; then
  debs=("$target"/vramcalc_*.deb)
  [ -f "${debs[0]}" ] || die "no vramcalc_*.deb in $target (run: cd $target && cpack -G DEB)"
  [ ${#debs[@]} -eq 1 ] || die "several vramcalc_*.deb in $target: name one"
  deb=${debs[0]}
else
  deb=$target
fi
[ -f "$deb" ] || die "$deb: no such file"
deb=$(realpath "$deb")
cache=$(realpath -m "${cache:-$(dirname "$deb")/debootstrap-cache}")
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mount /proc)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh --deb-check)"

# The first one-line (sources.list) or deb822 (*.sources) source that names bookworm and main.
apt_mirror() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) != suite) next
        for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit }
      }' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # Paragraphs are separated by blank lines; a field's words follow its name.
    awk -v suite="$suite" 'function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
            (" " components " ") ~ / main /) { split(uris, u, " "); print u[1]; found = 1 }
        types = uris = suites = components = ""
      }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Components:/ { sub(/^Components:[ \t]*/, ""); components = $0 }
      END { if (!found) flush() }' "$file"
  done
}
if [ -z "$mirror" ]; then
  mirror=$(apt_mirror | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vramcalc-deb-check.XXXXXX")
root="$work/root"
# Unmount whatever is mounted under the work folder (deepest first), then remove it without
# crossing into a file system that is still mounted.
cleanup() {
  local status=$? mount_point
  while read -r mount_point; do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" ||
      say "FAIL: cannot unmount $mount_point"
  done < <(awk -v work="$work/" 'index($2, work) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$work" || say "FAIL: cannot remove $work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(date +%s)
say "$(basename "$deb") in a fresh Debian 12 root ($suite $arch, $mirror)"
tarball="$cache/$suite-minbase-$include-$arch.tgz"
bootstrap=(debootstrap --variant=minbase --include="$include" --arch="$arch")
if [ ! -f "$tarball" ]; then
  say "fetching the $suite packages into $tarball (once)"
  mkdir -p "$cache"
  "${bootstrap[@]}" --make-tarball="$tarball.part" "$suite" "$work/fetch" "$mirror" \
    > "$work/make-tarball.log" 2>&1 ||
    { tail -n 20 "$work/make-tarball.log" >&2; die "debootstrap --make-tarball from $mirror failed"; }
  mv "$tarball.part" "$tarball"
  rm -rf --one-file-system "$work/fetch"
fi
"${bootstrap[@]}" --unpack-tarball="$tarball" "$suite" "$root" "$mirror" \
  > "$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap of $suite into a fresh root failed (delete $tarball if it is stale)"; }
say "root ready in $(( $(date +%s) - start ))s"

# The root's apt reads the same mirror, resolving names as this machine does.
echo "deb $mirror $suite main" > "$root/etc/apt/sources.list"
cp /etc/resolv.conf /etc/hosts "$root/etc/"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
  DEBIAN_FRONTEND=noninteractive "$@"; }

install -m 644 "$deb" "$root/tmp/"
in_root apt-get update -qq > "$work/apt.log" 2>&1 ||
  { tail -n 20 "$work/apt.log" >&2; die "apt-get update in the root failed"; }
# Not --no-install-recommends: the Recommends (libcurl4) must be installable too.
in_root apt-get install -y -q "/tmp/$(basename "$deb")" >> "$work/apt.log" 2>&1 ||
  { tail -n 30 "$work/apt.log" >&2; die "apt-get install ./$(basename "$deb") failed in a fresh $suite root"; }
# shellcheck disable=SC2016  # dpkg-query's format, not the shell's
say "installed: $(in_root dpkg-query -W -f='${Package} ${Version}' vramcalc)"

failures=0
fail() {
  say "FAIL: $*"
  failures=$((failures + 1))
}

# A static binary (the Release build) has no libraries for ldd to list: it says so and exits 1.
if in_root ldd /usr/bin/vramcalc > "$work/ldd" 2>&1; then
  if grep -q 'not found' "$work/ldd"; then
    fail "the binary's libraries are not all installed by its Depends: $(grep 'not found' "$work/ldd" | tr -s ' \t\n' ' ')"
  fi
elif grep -q 'not a dynamic executable' "$work/ldd"; then
  say "a static binary: no shared libraries to resolve"
else
  fail "ldd failed on the binary: $(tr -s ' \t\n' ' ' < "$work/ldd")"
fi
in_root vramcalc --params 7B --gpu L4 > "$work/estimate" 2>&1 && status=0 || status=$?
if [ "$status" -ne 0 ]; then
  fail "vramcalc --params 7B --gpu L4 exited $status in the root: $(tail -n 1 "$work/estimate")"
elif ! grep -q '^Verdict FITS' "$work/estimate"; then
  fail "vramcalc --params 7B --gpu L4 printed no 'Verdict FITS' line"
fi
if ! version=$(in_root vramcalc -V 2>&1) || [ -z "$version" ]; then
  fail "vramcalc -V failed: $version"
fi
if [ ! -f "$root/usr/share/man/man1/vramcalc.1.gz" ]; then
  fail "/usr/share/man/man1/vramcalc.1.gz is not installed"
elif ! man_path=$(in_root man -w vramcalc 2>&1) || [ "$man_path" != /usr/share/man/man1/vramcalc.1.gz ]; then
  fail "man -w vramcalc found '$man_path', not /usr/share/man/man1/vramcalc.1.gz"
elif ! in_root sh -c 'man vramcalc 2>&1 >/dev/null | grep . && exit 1; man vramcalc | grep -q vramcalc' > "$work/man" 2>&1; then
  fail "man vramcalc does not render cleanly: $(head -n 1 "$work/man")"
fi
if ! completion=$(in_root bash -c 'source /usr/share/bash-completion/completions/vramcalc && complete -p vramcalc' 2>&1); then
  fail "the bash completion does not load: $completion"
fi
# libcurl is dlopen'ed for --hf/--url: the Recommends must provide the soname it asks for. A
# closed port makes the download fail after the load.
in_root vramcalc --url http://127.0.0.1:9/model.gguf > "$work/url" 2>&1 || true
if grep -q 'cannot load the network library' "$work/url"; then
  fail "the Recommends ($(dpkg-deb -f "$deb" Recommends)) does not give the libcurl vramcalc loads: $(head -n 1 "$work/url")"
elif ! grep -q 'cannot connect to http://127.0.0.1:9' "$work/url"; then
  # The refusal comes from libcurl itself: anything else means it did not run.
  fail "vramcalc --url to a closed port did not report libcurl's refusal: $(head -n 1 "$work/url")"
fi

if [ "$failures" -ne 0 ]; then
  say "$failures check(s) failed for $(basename "$deb")"
  exit 1
fi
say "PASS: $version installs in a fresh $suite root and runs ($(( $(date +%s) - start ))s)"
