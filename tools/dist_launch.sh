#!/usr/bin/env bash
# Usage: bash tools/dist_launch.sh NPROC SCRIPT [script args]
# torchrun with the multi-node variables that dist_train.sh and dist_test.sh
# share: NNODES, NODE_RANK, MASTER_ADDR, PORT, and PYTHON (default: the repo's
# .venv/bin/python when it exists, else python on PATH). torchrun replaces
# this shell (exec), so killing the launch kills torchrun, and the workers end
# with it (irg_mm's tools ask the kernel for that when torchrun starts them).
set -euo pipefail

NPROC=$1
SCRIPT=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
TOOLS_DIR=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PYTHON:-}" ] && [ -x "$TOOLS_DIR/../.venv/bin/python" ]; then
    PYTHON="$TOOLS_DIR/../.venv/bin/python"
fi
PYTHON=${PYTHON:-python}

PYTHONPATH="$TOOLS_DIR/..:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$SCRIPT" "${@:3}"
