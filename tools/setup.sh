#!/usr/bin/env bash
# Installs the Debian packages rscript needs to build, test and render, then builds it.
# Safe to run again: apt-get is skipped when everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  pkg-config liblua5.4-dev lua5.4   # the embedded Lua and the reference interpreter (benchmarks)
  libedit-dev                       # line editing for `rscript repl`
  tmux                              # the REPL's pty tests
  povray blender                    # the renderers the shipped plugins drive (Cycles on CPU)
  libsqlite3-dev sqlite3            # the gallery database (GRDB links the system SQLite); tests read it
  python3 util-linux                # test clients; setpriv runs one as another user (control channel)
  libvips42 libvips-tools           # `rscript serve`'s thumbnails (dlopen'd at the first one, not linked); tests make PNG/JPEG with `vips`
  chromium chromium-driver          # the browser test of `rscript serve`'s page (headless, through selenium)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "==> building rscript (${1:-debug})"
if [ "${1:-debug}" = release ]; then
  # Static Swift runtime: halves start-up (no dynamic linking of the Swift and Foundation
  # libraries; see docs/benchmarks.md).
  swift build -c release --static-swift-stdlib --product rscript
else
  swift build --product rscript
fi
