#!/bin/sh
# Installs visionsim (PyPI, 0.1.0a2), the peer of rscript's BlenderClients in
# scripts/bench/blender_persistent.lua, into a virtualenv of its own, and makes its Blender
# servers importable by Debian's Blender. Idempotent: a second run checks and says so.
#
#   sh scripts/bench/visionsim_venv.sh            # venv at ${VISIONSIM_VENV:-$HOME/.cache/rscript/visionsim-venv}
#
# Two installs, because visionsim runs on both sides of a socket:
# 1. the client: a venv with visionsim and its dependencies. It is large (about 5 GB: torch,
#    torchvision, opencv, scipy), though the pool needs none of those; it takes minutes.
# 2. the servers: visionsim starts `blender -b --python-use-system-env --python .../blender.py`,
#    and that file imports rpyc and numpy inside Blender's own Python. Debian's Blender 3.4 uses
#    the system Python, which has neither, so the servers die at import and the client waits out
#    its whole timeout with no word of why. They go into $VENV/blender-site, built for Blender's
#    Python version; the bench puts that directory on PYTHONPATH (which Blender reads because of
#    --python-use-system-env). numpy stays below 2, the issue's finding for Blender 3.4.
set -eu

VENV=${VISIONSIM_VENV:-$HOME/.cache/rscript/visionsim-venv}
SITE=$VENV/blender-site
BLENDER=${BLENDER:-blender}
PYTHON=${PYTHON:-python3}
LOG=$VENV.pip.log
VERSION=0.1.0a2

say() { echo "visionsim_venv.sh: $*"; }

command -v "$BLENDER" >/dev/null || { say "no '$BLENDER' on PATH (sudo apt-get install blender)"; exit 1; }

# Blender's Python version, from Blender itself: the servers' packages must match it.
BLENDER_PY=$("$BLENDER" -b --factory-startup --python-expr \
  'import sys; print("BLENDER_PY=%d.%d" % sys.version_info[:2])' 2>/dev/null | sed -n 's/^BLENDER_PY=//p')
[ -n "$BLENDER_PY" ] || { say "could not read the Python version of '$BLENDER'"; exit 1; }
say "Blender's Python is $BLENDER_PY"

# 1. the client venv
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import visionsim.simulate.blender' 2>/dev/null; then
  say "client: $VENV already has visionsim $("$VENV/bin/python" -m pip show visionsim 2>/dev/null | sed -n 's/^Version: //p')"
else
  say "client: creating $VENV with visionsim==$VERSION (pulls in torch: several GB, minutes; log in $LOG)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q "visionsim==$VERSION" >"$LOG" 2>&1 \
    || { say "pip install visionsim failed; the end of $LOG:"; tail -20 "$LOG"; exit 1; }
  "$VENV/bin/python" -c 'import visionsim.simulate.blender' \
    || { say "visionsim installed but does not import in $VENV"; exit 1; }
  say "client: installed visionsim $VERSION ($(du -sh "$VENV" | cut -f1))"
fi

# 2. the servers' packages, for Blender's Python
check_site() {
  PYTHONPATH=$SITE "$BLENDER" -b --factory-startup --python-use-system-env --python-expr \
    'import numpy, rpyc; print("SITE_OK numpy %s rpyc %s" % (numpy.__version__, rpyc.__version__))' 2>&1 \
    | sed -n 's/^SITE_OK //p'
}
FOUND=$(check_site)
if [ -n "$FOUND" ]; then
  say "servers: Blender already imports $FOUND from $SITE"
else
  say "servers: installing rpyc and numpy<2 for Python $BLENDER_PY into $SITE"
  "$VENV/bin/python" -m pip install -q --upgrade --target "$SITE" --python-version "$BLENDER_PY" \
    --only-binary=:all: rpyc 'numpy<2' >>"$LOG" 2>&1 \
    || { say "pip install --target $SITE failed; the end of $LOG:"; tail -20 "$LOG"; exit 1; }
  FOUND=$(check_site)
  [ -n "$FOUND" ] || { say "Blender still cannot import numpy and rpyc from $SITE"; exit 1; }
  say "servers: Blender imports $FOUND from $SITE"
fi

say "ready. The bench uses it when it finds it:"
say "  VISIONSIM_VENV=$VENV rscript run scripts/bench/blender_persistent.lua 3 320x240 8 \$PWD/.build/debug/rscript"
