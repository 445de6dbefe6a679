#!/usr/bin/env bash
# Sets up a fresh machine for this repo: system packages (as root, via apt), pnpm, the workspace
# dependencies (better-sqlite3 compiles from source against Node's installed headers), and a build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and benchmarks use: exiftool (reference metadata), sqlite3 (benchmark
# baseline), util-linux `script` (pseudo-terminal for the progress-bar test), rclone (a second,
# independent WebDAV server for backend-webdav), samba (the smbd that backend-smb's tests start),
# ffmpeg (video posters and metadata; the video tests make their clips with it).
APT_PACKAGES=(libimage-exiftool-perl sqlite3 util-linux rclone samba chromium ffmpeg)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian/Ubuntu packages first: ${missing[*]}" >&2
    echo "       sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v pnpm >/dev/null; then
  echo "setup: installing pnpm" >&2
  npm install -g pnpm@12 >/dev/null
fi

# pnpm ignores `nodedir` in .npmrc; node-gyp needs it in the environment to build offline.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
pnpm install --frozen-lockfile=false
pnpm build
