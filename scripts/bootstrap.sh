# Sourced by the other scripts: make sure uv exists and the virtualenv matches uv.lock.
# Works on a fresh machine that has only Python 3.11+ and pip.
if ! command -v uv >/dev/null 2>&1; then
    echo "bootstrap: installing uv with pip" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
    export PATH="$HOME/.local/bin:$PATH"
fi
export UV_NO_PROGRESS=1
uv sync --locked --quiet
