# Sourced by scripts/run and scripts/test: a virtualenv with the project installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 \
      "$HOME"/.pyenv/versions/3.13*/bin/python "$HOME"/.pyenv/versions/3.12*/bin/python \
      /usr/local/bin/python3.13 /usr/local/bin/python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "error: Python 3.12 or newer is required (Django 6). Set PYTHON=/path/to/python3.12." >&2
  return 1
}

VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$(find_python)" -m venv "$VENV"
fi
# Exact, hash-checked versions from the lock (README "Dependencies and the lock
# file"), then the project itself, editable, without resolving anything again.
# pip check catches a dependency added to pyproject.toml but not yet locked.
stamp="$VENV/.installed-$(cat requirements/dev-lock.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --require-hashes -r requirements/dev-lock.txt
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
  if "$VENV/bin/python" -m pip check >&2; then
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  elif [ -z "${RELOCKING:-}" ]; then  # scripts/lock is about to fix exactly this
    echo "error: pyproject.toml asks for what requirements/ does not pin; run ./scripts/lock" >&2
    exit 1
  fi
fi
export PATH="$PWD/$VENV/bin:$PATH"
