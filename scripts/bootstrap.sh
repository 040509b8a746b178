#!/usr/bin/env bash
# Creates .venv with gonogo and its dev tools; as root, installs the Debian packages the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
need=()
for bin in pgbouncer:pgbouncer prometheus:prometheus tmux:tmux ssh-keygen:openssh-client gh:gh \
    jq:jq chromium:chromium fish:fish; do
  command -v "${bin%%:*}" >/dev/null 2>&1 || need+=("${bin##*:}")
done
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Debian packages: ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "bootstrap: missing ${need[*]}; tests that need them will fail (run as root to install)" >&2
  fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
# pip byte-compiles what it installs, but not an editable project: without this, a shell
# with PYTHONDONTWRITEBYTECODE set compiles gonogo's sources again at every start (~50 ms).
"$VENV/bin/python" -m compileall -q gonogo_tui >/dev/null
touch "$VENV/.installed"
