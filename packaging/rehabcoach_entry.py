"""Entry point of the bundled app: the same `rehabcoach` command as a pip install."""

import multiprocessing

from rehabcoach.cli.main import main

if __name__ == "__main__":
    # A frozen program that ever starts a worker process must call this first, or the worker would
    # start a second copy of the app (Windows and macOS spawn workers by re-running the executable).
    multiprocessing.freeze_support()
    raise SystemExit(main())
