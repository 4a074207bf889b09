#!/usr/bin/env python3
"""The defaults the article relies on, as the CPython running this has them: whether it runs
with a GIL, how many threads ThreadPoolExecutor() starts, and how multiprocessing starts a
process. (The article was written for a CPython with a GIL, forking processes on Linux.)"""

import concurrent.futures
import multiprocessing
import os
import sys
import sysconfig

if __name__ == "__main__":
    free_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    with concurrent.futures.ThreadPoolExecutor() as pool:
        workers = pool._max_workers
    print(f"Python {sys.version.split()[0]} ({'free-threaded' if free_build else 'default'} build): "
          f"GIL {'on' if gil else 'off'}; ThreadPoolExecutor() starts up to {workers} threads "
          f"({os.cpu_count()} cores); multiprocessing starts processes by {multiprocessing.get_start_method()}")
