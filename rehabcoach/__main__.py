from rehabcoach.cli.main import main

# Guarded: `analyze` may start a second process (analysis/split_tracking.py), which imports this module
# again under another name and must not run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
