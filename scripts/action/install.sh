#!/usr/bin/env bash
# The Action's first step: make `hostplan` available, built from the Action's own checkout
# (the version the workflow pinned with `uses: …@ref`). A runner that has it already skips this.
# HOSTPLAN_INSTALL_FLAGS adds flags to `cargo install` (none in the Action; the repository's own
# test of this step passes `--debug --offline` to reuse its build without downloading anything).
set -euo pipefail
if command -v hostplan >/dev/null; then
  echo "hostplan $(hostplan --version) already installed"
  exit 0
fi
# shellcheck disable=SC2086 # the flags are words on purpose
cargo install --locked --path "${GITHUB_ACTION_PATH:?}" --root "$HOME/.hostplan" ${HOSTPLAN_INSTALL_FLAGS:-}
echo "$HOME/.hostplan/bin" >> "${GITHUB_PATH:?}"
