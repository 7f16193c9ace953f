#!/usr/bin/env bash
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# Multi-node: NNODES / NODE_RANK / MASTER_ADDR / PORT as for dist_train.sh.
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: bash $0 CONFIG CHECKPOINT GPUS [test.py options]" >&2
    exit 2
fi
TOOLS_DIR=$(cd "$(dirname "$0")" && pwd)
exec bash "$TOOLS_DIR/dist_launch.sh" "$3" "$TOOLS_DIR/test.py" "$1" "$2" \
    --launcher pytorch "${@:4}"
