#!/usr/bin/env bash
# Fails if any tracked C++ file differs from .clang-format (Google style, 120 columns).
# Fix with: clang-format -i $(git ls-files '*.cc' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "formatting differs: run  clang-format -i \$(git ls-files '*.cc' '*.h')" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
