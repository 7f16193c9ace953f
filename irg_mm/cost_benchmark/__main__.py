# Copyright (c) irg_mm contributors. All rights reserved.
"""One worker process of the cost benchmark (see
:func:`irg_mm.cost_benchmark.workers.run_worker`)."""
from .workers import main

main()
