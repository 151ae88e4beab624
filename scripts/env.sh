# Sourced by the other scripts. Decides how wasm is built on this machine and exports
# HOSTPLAN_WASM_ENV (a string of VAR=value pairs) for wasm commands only: native builds must
# not see RUSTC_BOOTSTRAP & co. (it would force full rebuilds).
#
#   rustup mode : the active toolchain has a wasm32 std → nothing to set.
#   debian mode : Debian's rustc-web with std built from source (see ../shared/TOOLCHAIN.md).

HOSTPLAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export HOSTPLAN_ROOT
export PATH="$HOME/.cargo/bin:$HOSTPLAN_ROOT/tests/e2e/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

has_wasm_std() {
  local sysroot
  sysroot=$(rustc --print sysroot 2>/dev/null) || return 1
  compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}

# HOSTPLAN_WASM_TOOLCHAIN=debian forces the Debian route (to test it, or where rustup's std is
# unwanted); =rustup forbids it. Unset: detect.
wasm_mode() {
  if [ "${HOSTPLAN_WASM_TOOLCHAIN:-}" = debian ]; then
    rustup toolchain list 2>/dev/null | grep -q '^debian-web' && echo debian || echo none
  elif has_wasm_std; then
    echo rustup
  elif [ "${HOSTPLAN_WASM_TOOLCHAIN:-}" != rustup ] && rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then
    echo debian
  else
    echo none
  fi
}

# Run a command with the wasm environment of the current mode.
with_wasm_env() {
  if [ "$(wasm_mode)" = debian ]; then
    env RUSTUP_TOOLCHAIN=debian-web RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=rust-lld "$@"
  else
    "$@"
  fi
}

# The wasm-bindgen version the lockfile pins (Trunk.toml must agree).
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$HOSTPLAN_ROOT/Cargo.lock"
}
