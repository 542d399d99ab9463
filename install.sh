#!/usr/bin/env bash
# install.sh: set up physnb on a Debian/Ubuntu machine with Go 1.26.
#
#   ./install.sh          Jupyter (Debian packages), Fashion-MNIST from Debian (the vision
#                         notebook's data, offline), GoNB, goimports, gopls, the physnb
#                         command in bin/, and the two Jupyter kernels
#                         (each with kernel.css: a line "building and running this Go cell…"
#                         while GoNB compiles a cell).
#   ./install.sh --dev    the same, plus what the tests need (Chromium for the browser checks).
#   ./install.sh --check  report what is present; change nothing (exit 1 if something is missing).
#
# Safe to re-run: every step first checks whether its result is already there and
# up to date, and does nothing if so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$ROOT/bin"
MODE=install
DEV=0
for arg in "$@"; do
  case "$arg" in
    --check) MODE=check ;;
    --dev) DEV=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --check, --dev or --help)" >&2; exit 2 ;;
  esac
done

step() { printf '==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
missing=()
need() { printf '    MISSING: %s\n' "$*"; missing+=("$1"); }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

# --- Go -----------------------------------------------------------------------------------
step "Go toolchain"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || die "Go is not on PATH. Install Go 1.26 (https://go.dev/dl/) and re-run."
GOVERSION="$(go env GOVERSION)"
case "$GOVERSION" in
  go1.2[6-9]*|go1.[3-9][0-9]*) ok "$GOVERSION at $(command -v go)" ;;
  *) die "Go $GOVERSION is too old: physnb needs Go 1.26 or newer." ;;
esac
GOROOT_BIN="$(go env GOROOT)/bin"
export GOEXPERIMENT=simd

# --- apt helper ---------------------------------------------------------------------------
apt_install() {
  local pkgs=("$@")
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    die "these Debian packages are needed but you are not root and sudo is not available without a password:
    ${pkgs[*]}
  Install them with:  sudo apt-get install -y ${pkgs[*]}   then re-run ./install.sh"
  fi
  step "apt-get install ${pkgs[*]}"
  APT_LOG="$(mktemp "${TMPDIR:-/tmp}/physnb-apt.XXXXXX.log")"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >"$APT_LOG" 2>&1; then
    $SUDO apt-get update -q >>"$APT_LOG" 2>&1 || die "apt-get update failed: see $APT_LOG"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >>"$APT_LOG" 2>&1 ||
      die "apt-get install ${pkgs[*]} failed: see $APT_LOG"
  fi
}

# --- Jupyter (Debian's) -------------------------------------------------------------------
step "Jupyter (Debian packages jupyter-notebook jupyter-nbconvert jupyter-client)"
# Debian's jupyter runs on Debian's own python3 (/usr/bin/python3), whatever python3 is first on PATH.
have_jupyter() { command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1 && jupyter kernelspec --version >/dev/null 2>&1; }
if have_jupyter; then
  ok "jupyter nbconvert $(jupyter nbconvert --version)"
elif [ "$MODE" = check ]; then
  need jupyter "jupyter with nbconvert (apt-get install jupyter-notebook jupyter-nbconvert jupyter-client)"
else
  apt_install jupyter-notebook jupyter-nbconvert jupyter-client
  have_jupyter || die "jupyter was installed but 'jupyter nbconvert' does not run: see ${APT_LOG:-the apt log}"
  ok "jupyter nbconvert $(jupyter nbconvert --version)"
fi

step "Fashion-MNIST (Debian package dataset-fashion-mnist, the classification notebook's data)"
if dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
  ok "dataset-fashion-mnist present"
elif [ "$MODE" = check ]; then
  need dataset-fashion-mnist "Fashion-MNIST (apt-get install dataset-fashion-mnist, or bin/physnb data fetch fashion-mnist)"
else
  apt_install dataset-fashion-mnist
  ok "installed dataset-fashion-mnist"
fi

if [ "$DEV" = 1 ]; then
  step "Test dependencies (Debian package chromium)"
  dev_pkgs=()
  command -v chromium >/dev/null 2>&1 || dev_pkgs+=(chromium)
  if [ ${#dev_pkgs[@]} = 0 ]; then
    ok "chromium present"
  elif [ "$MODE" = check ]; then
    need "${dev_pkgs[0]}" "${dev_pkgs[*]} (apt-get install ${dev_pkgs[*]})"
  else
    apt_install "${dev_pkgs[@]}"
    ok "installed ${dev_pkgs[*]}"
  fi
fi

# --- GoNB, goimports, gopls (pinned in tools/) --------------------------------------------
step "GoNB, goimports and gopls (versions pinned in tools/go.mod and tools/gopls/go.mod)"
stamp="$BIN/.tools.stamp"
want_stamp="$(cat "$ROOT/tools/go.mod" "$ROOT/tools/go.sum" "$ROOT/tools/gopls/go.mod" "$ROOT/tools/gopls/go.sum" | sha256sum | cut -d' ' -f1)"
tools_ok() { [ -x "$BIN/gonb" ] && [ -x "$BIN/goimports" ] && [ -x "$BIN/gopls" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; }
if tools_ok; then
  ok "$BIN/{gonb,goimports,gopls} up to date"
elif [ "$MODE" = check ]; then
  need gonb "GoNB, goimports, gopls in $BIN (run ./install.sh)"
else
  mkdir -p "$BIN"
  (cd "$ROOT/tools" && GOBIN="$BIN" go install tool) || die "building GoNB and goimports failed (see the Go errors above)"
  (cd "$ROOT/tools/gopls" && GOBIN="$BIN" go install tool) || die "building gopls failed (see the Go errors above)"
  echo "$want_stamp" >"$stamp"
  ok "built into $BIN"
fi

# --- physnb command -----------------------------------------------------------------------
step "physnb command (bin/physnb, GOEXPERIMENT=simd)"
if [ "$MODE" = check ]; then
  if [ -x "$BIN/physnb" ]; then ok "$BIN/physnb"; else need physnb "$BIN/physnb (run ./install.sh)"; fi
else
  mkdir -p "$BIN"
  tmp="$(mktemp "$BIN/.physnb.XXXXXX")"
  (cd "$ROOT" && go build -trimpath -o "$tmp" ./cmd/physnb) || { rm -f "$tmp"; die "building physnb failed (see the Go errors above)"; }
  if [ -x "$BIN/physnb" ] && cmp -s "$tmp" "$BIN/physnb"; then
    rm -f "$tmp"; ok "$BIN/physnb up to date"
  else
    mv "$tmp" "$BIN/physnb"; ok "built $BIN/physnb"
  fi
fi

# --- Jupyter kernels ----------------------------------------------------------------------
step "Jupyter kernels physnb-cpu and physnb-cuda"
render() { # render kernels/NAME/kernel.json into a folder, with the kernels' kernel.css beside it
  local name="$1" out="$2"
  mkdir -p "$out"
  sed -e "s|@BIN@|$BIN|g" -e "s|@GOBIN@|$GOROOT_BIN|g" -e "s|@ROOT@|$ROOT|g" "$ROOT/kernels/$name/kernel.json" >"$out/kernel.json"
  # The notebook page loads kernel.css for notebooks on this kernel only: it shows
  # "building and running this Go cell…" while GoNB compiles a cell.
  cp "$ROOT/kernels/kernel.css" "$out/kernel.css"
}
same_kernel() { # the rendered kernel folder $1 and the installed one $2 hold the same files
  cmp -s "$1/kernel.json" "$2/kernel.json" && cmp -s "$1/kernel.css" "$2/kernel.css"
}
kernel_dir() { # where jupyter has the kernel installed, or nothing
  jupyter kernelspec list --json 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['kernelspecs'].get('$1',{}).get('resource_dir',''))" 2>/dev/null || true
}
for k in physnb-cpu physnb-cuda; do
  tmpd="$(mktemp -d)"
  render "$k" "$tmpd/$k"
  installed="$(have_jupyter && kernel_dir "$k" || true)"
  if [ -n "$installed" ] && same_kernel "$tmpd/$k" "$installed"; then
    ok "$k at $installed (kernel.json and kernel.css up to date)"
  elif [ "$MODE" = check ]; then
    if [ -n "$installed" ] && cmp -s "$tmpd/$k/kernel.json" "$installed/kernel.json"; then
      need "$k" "kernel $k at $installed has no kernel.css or another one than kernels/kernel.css (run ./install.sh)"
    else
      need "$k" "kernel $k (run ./install.sh)"
    fi
  else
    have_jupyter || die "cannot install kernel $k: jupyter is missing"
    other=""
    if [ -n "$installed" ] && [ -f "$installed/kernel.json" ]; then
      other="$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('env',{}).get('PHYSNB_ROOT',''))" "$installed/kernel.json" 2>/dev/null || true)"
    fi
    jupyter kernelspec install --user --replace --name "$k" "$tmpd/$k" >/dev/null 2>&1 || die "jupyter kernelspec install $k failed"
    now="$(kernel_dir "$k")"
    # Kernels are per user: say so when another checkout's kernel is replaced
    # (or, with another JUPYTER_DATA_DIR, left in place beside this one).
    if [ -n "$other" ] && [ "$other" != "$ROOT" ]; then
      if [ "$now" = "$installed" ]; then
        printf '    note: kernel %s pointed at the checkout %s; it now points at this one, %s\n' "$k" "$other" "$ROOT"
      else
        printf '    note: kernel %s of the checkout %s stays in %s; this checkout'"'"'s is in %s\n' "$k" "$other" "$installed" "$now"
      fi
    fi
    ok "installed $k at $now"
  fi
  rm -rf "$tmpd"
done

if [ "$MODE" = check ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install.sh --check: missing: ${missing[*]}"; exit 1
  fi
  echo "install.sh --check: everything is present."
else
  echo "physnb is installed. Try:  bin/physnb env   and   jupyter notebook notebooks/"
fi
