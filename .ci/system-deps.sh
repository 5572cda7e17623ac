#!/usr/bin/env bash
# Install the Debian packages the project needs at run and test time, if any are missing.
#
#   WeasyPrint (PDF letters): libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0, fonts-noto-cjk
#   python-magic (upload sniffing): libmagic1
#   compilemessages: gettext
#   PostgreSQL test pass (tests/pgcluster.py): postgresql
#   end-to-end tests (Playwright drives Debian's browser): chromium
#   PDF checks in tests: poppler-utils
#
# As root, missing packages are installed (one `apt-get update`, then one `apt-get install`).
# As anyone else, the missing packages are named and the script carries on.
# Set SANDBOX_SKIP_SYSTEM_DEPS=1 to skip this step entirely.
set -euo pipefail

PACKAGES=(
    libpango-1.0-0
    libpangoft2-1.0-0
    libharfbuzz-subset0
    fonts-noto-cjk
    libmagic1
    gettext
    postgresql
    chromium
    poppler-utils
)

if [[ "${SANDBOX_SKIP_SYSTEM_DEPS:-}" == 1 ]]; then
    echo "system-deps: skipped (SANDBOX_SKIP_SYSTEM_DEPS=1)"
    exit 0
fi

if ! command -v dpkg >/dev/null 2>&1; then
    echo "system-deps: not a Debian system (no dpkg); make sure these are installed:" \
        "${PACKAGES[*]}" >&2
    exit 0
fi

installed() {
    # dpkg -s also succeeds for removed packages whose config files remain; check the status.
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

# `python3.11 -m venv` needs ensurepip, which Debian ships separately from its interpreter.
python=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then
        python="$candidate"
        break
    fi
done
if [[ -n "$python" && ! -x .venv/bin/python ]] \
    && ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    case "$(readlink -f "$(command -v "$python")")" in
        /usr/bin/python3.11) installed python3.11-venv || missing+=(python3.11-venv) ;;
        /usr/bin/python3*) installed python3-venv || missing+=(python3-venv) ;;
    esac
fi

if ((${#missing[@]} == 0)); then
    echo "system-deps: all present"
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "system-deps: WARNING: missing Debian packages (not root, so not installing):" >&2
    echo "system-deps:   sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 0
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
