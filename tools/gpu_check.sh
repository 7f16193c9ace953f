#!/usr/bin/env bash
# Usage: bash tools/gpu_check.sh [--pip-args "..."] [--stages ...]
# Proves the GPU path on one CUDA GPU within an 8-minute budget: CUDA tests,
# DDP on gloo and nccl, --amp with loss scaling and resume, the CUDA
# benchmark; writes work_dirs/gpu_check/report.md. Options: see
# tools/analysis/gpu_check.py. PYTHON picks the interpreter (default: the
# repo's .venv/bin/python when it exists, else python3). Without CUDA it says
# so in one line and exits 2.
set -euo pipefail

TOOLS_DIR=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PYTHON:-}" ] && [ -x "$TOOLS_DIR/../.venv/bin/python" ]; then
    PYTHON="$TOOLS_DIR/../.venv/bin/python"
fi
PYTHON=${PYTHON:-python3}

PYTHONPATH="$TOOLS_DIR/..:${PYTHONPATH:-}" \
exec "$PYTHON" "$TOOLS_DIR/analysis/gpu_check.py" "$@"
