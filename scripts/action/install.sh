#!/usr/bin/env bash
# The Action's first step: make `hostplan` available, built from the Action's own checkout
# (the version the workflow pinned with `uses: …@ref`). A runner that has it already skips this.
set -euo pipefail
if command -v hostplan >/dev/null; then
  echo "hostplan $(hostplan --version) already installed"
  exit 0
fi
cargo install --locked --path "${GITHUB_ACTION_PATH:?}" --root "$HOME/.hostplan"
echo "$HOME/.hostplan/bin" >> "${GITHUB_PATH:?}"
