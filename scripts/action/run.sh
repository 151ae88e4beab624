#!/usr/bin/env bash
# The Action's check step: every topology is checked twice — as GitHub annotations (workflow
# commands on stdout mark the PR's lines) and as SARIF (one file per topology, in one folder
# the upload step takes whole) — and every spec verified. The step fails when any check or verification does, after all have run.
# Inputs come as environment variables (HOSTPLAN_PATHS, HOSTPLAN_SPECS, HOSTPLAN_FAIL_ON,
# HOSTPLAN_POLICY); outputs go to $GITHUB_OUTPUT.
set -uo pipefail
fail_on=${HOSTPLAN_FAIL_ON:-error}
policy_args=()
for p in ${HOSTPLAN_POLICY:-}; do policy_args+=(--policy "$p"); done
out_dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/hostplan
mkdir -p "$out_dir"
status=0
sarif=""
i=0
for file in ${HOSTPLAN_PATHS:-}; do
  i=$((i + 1))
  hostplan check "$file" --format github --fail-on "$fail_on" "${policy_args[@]}" || status=1
  hostplan check "$file" --format sarif --fail-on "$fail_on" "${policy_args[@]}" > "$out_dir/check-$i.sarif" || true
  sarif="$out_dir"
done
for spec in ${HOSTPLAN_SPECS:-}; do
  if ! hostplan verify "$spec" --fail-on "$fail_on" "${policy_args[@]}"; then
    echo "::error file=$spec::hostplan verify failed for $spec"
    status=1
  fi
done
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif=$sarif" >> "$GITHUB_OUTPUT"
fi
exit $status
