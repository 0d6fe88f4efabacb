# Sourced by the other scripts: make sure .venv exists and holds the project (with extras "$1").
# Needs only Python 3.11+ and a POSIX shell; reinstalls when pyproject.toml changes.

find_python() {
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 python; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Tandem needs Python 3.11 or newer on PATH (or set PYTHON=/path/to/python3.11)." >&2
    return 1
}

ensure_venv() {
    extras="$1"
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python)
        echo "creating .venv with $python"
        "$python" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    stamp=".venv/.installed-${extras:-base}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
        echo "installing dependencies${extras:+ ($extras)}"
        # constraints.txt pins the exact versions the suite was run with.
        if [ -n "$extras" ]; then
            .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
        else
            .venv/bin/python -m pip install --quiet -c constraints.txt -e .
        fi
        touch "$stamp"
    fi
}
